/// The size limits of a group, in one place: the REST handlers, the SQL functions (passed as a
/// parameter), the error wording and the H2AC hook input (`limits`, which lua/guidance.lua and
/// the built-in defaults quote) all take them from here.
public enum GroupLimits {
    /// Longest group name, in Unicode code points after trimming (as Lua's utf8.len counts).
    public static let nameCharacters = 100
    /// Most members a group may have, its creator included.
    public static let members = 1000

    /// The `limits` field of the group-validation hook's input.
    public static var hookInput: JSON { ["nameCharacters": .int(Int64(nameCharacters)), "members": .int(Int64(members))] }
}
