/// Roles a user may hold: `staff` (hook status and previews, StaffPolicy), `moderator` (reports,
/// removals, suspensions) and `admin` (reads the moderation audit log). They come from the token's
/// roles claim or from the service API.
public enum Roles {
    public static let known: Set<String> = ["staff", "moderator", "admin"]
    public static let moderator = "moderator"
    public static let admin = "admin"

    /// Known roles from a claim: an array of strings, or one space- or comma-separated string.
    public static func from(claim: JSON?) -> Set<String> {
        switch claim {
        case let .array(values)?:
            return Set(values.compactMap(\.stringValue)).intersection(known)
        case let .string(text)?:
            return Set(text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)).intersection(known)
        default:
            return []
        }
    }
}
