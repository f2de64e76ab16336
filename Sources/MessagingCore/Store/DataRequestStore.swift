import Postgres

/// Data-protection requests for one user (migration 0031): everything stored about them, and
/// erasure (their content tombstoned through the same scrub as removals, the profile anonymized).
public struct DataRequestStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// The export as JSON text; nil for an unknown user.
    public func export(userId: Int64) throws(PostgresError) -> String? {
        try db.query("SELECT chat_user_export($1)::text", [userId]).string(0, 0)
    }

    /// Erases the user's content and profile; the number of messages erased. Throws CHU04.
    public func erase(userId: Int64) throws(PostgresError) -> Int {
        Int(try db.query("SELECT chat_erase_user($1)", [userId]).int(0, 0) ?? 0)
    }
}
