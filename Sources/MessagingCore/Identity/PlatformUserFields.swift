/// The fields of a platform user as the service API and `messaging-admin user import` take them:
/// `username`, `displayName`, `avatar` (null or "" clears it), `roles` (staff, moderator, admin), and
/// for a list, each entry's `sub`. Errors are sentences naming the field.
public struct PlatformUserFields: Sendable, Equatable {
    public var profile: ProfileClaims
    /// nil: leave the stored roles as they are.
    public var roles: Set<String>?

    /// Users per list (one transaction; the initial sync sends pages of this many).
    public static let maxBulk = 1000

    public struct Invalid: Error, Equatable {
        public let message: String
    }

    public init(object fields: [(String, JSON)]) throws(Invalid) {
        func text(_ key: String) throws(Invalid) -> String? {
            guard let value = fields.first(where: { $0.0 == key })?.1, !value.isNull else { return nil }
            guard let string = value.stringValue else { throw Invalid(message: "\(key) must be a string.") }
            return string
        }
        profile = ProfileClaims(username: try text("username"), displayName: try text("displayName"), avatar: try text("avatar"))
        if profile.avatar == nil && fields.contains(where: { $0.0 == "avatar" }) { profile.avatar = "" }
        if let problem = ProfileInput.problem(profile) { throw Invalid(message: problem + ".") }
        if let value = fields.first(where: { $0.0 == "roles" })?.1, !value.isNull {
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue.map(Roles.known.contains) ?? false }) else {
                throw Invalid(message: "roles must be an array of: \(Roles.known.sorted().joined(separator: ", ")).")
            }
            roles = Set(items.compactMap(\.stringValue))
        }
    }

    /// `{"users": [{"sub", ...fields}, ...]}`: every entry checked, subs unique, 1 to `maxBulk`.
    public static func list(_ body: JSON) throws(Invalid) -> [(Subject, PlatformUserFields)] {
        guard let items = body["users"]?.arrayValue else { throw Invalid(message: "users must be an array of users.") }
        guard (1...maxBulk).contains(items.count) else { throw Invalid(message: "users must hold 1 to \(maxBulk) users.") }
        var entries: [(Subject, PlatformUserFields)] = []
        var seen = Set<Subject>()
        for (index, item) in items.enumerated() {
            guard let object = item.objectValue else { throw Invalid(message: "users[\(index)] must be an object.") }
            guard let sub = item["sub"]?.stringValue, let subject = Subject(sub) else {
                throw Invalid(message: "users[\(index)].sub must be the platform's user id (a canonical positive integer or another non-numeric id).")
            }
            guard seen.insert(subject).inserted else { throw Invalid(message: "users[\(index)].sub repeats an earlier entry.") }
            do {
                entries.append((subject, try PlatformUserFields(object: object)))
            } catch {
                throw Invalid(message: "users[\(index)]: \(error.message)")
            }
        }
        return entries
    }
}
