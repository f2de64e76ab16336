/// Profile fields from outside (the service API's JSON, a token's claims) made safe to store.
public enum ProfileInput {
    /// Longest username accepted before it is made valid (the stored one is at most 64).
    public static let maxUsernameInput = 256

    /// A token's claims: control characters dropped, the display name cut to 128 characters, an
    /// avatar that is not an http(s) URL ignored. Never an error: a token is not a form.
    public static func fromClaims(_ claims: ProfileClaims) -> ProfileClaims {
        ProfileClaims(
            username: claims.username.map { String(clean($0).prefix(maxUsernameInput)) }.flatMap { $0.isEmpty ? nil : $0 },
            displayName: claims.displayName.map { String(clean($0).trimmingSpaces.prefix(128)) }.flatMap { $0.isEmpty ? nil : $0 },
            avatar: claims.avatar.flatMap { Validation.mediaURLProblem($0) == nil ? $0 : nil })
    }

    /// The service API's fields: a sentence for the client when one is unusable.
    public static func problem(_ profile: ProfileClaims) -> String? {
        if let username = profile.username {
            if username.trimmingSpaces.isEmpty || username.count > maxUsernameInput { return "username must be 1 to \(maxUsernameInput) characters" }
            if hasControl(username) { return "username must not contain control characters" }
        }
        if let name = profile.displayName {
            if name.trimmingSpaces.isEmpty || name.trimmingSpaces.count > 128 { return "displayName must be 1 to 128 characters" }
            if hasControl(name) { return "displayName must not contain control characters" }
        }
        if let avatar = profile.avatar, !avatar.isEmpty, let problem = Validation.mediaURLProblem(avatar) {
            return problem.replacingOccurrences(of: "mediaUrl", with: "avatar")
        }
        return nil
    }

    private static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    private static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
    }
}
