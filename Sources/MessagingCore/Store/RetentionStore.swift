import Postgres

/// Retention (migration 0031): purging what is due (`chat_purge_messages`, the push daemons'
/// job) and a conversation's own retention (admins).
public struct RetentionStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// One batch of the purge, in one transaction: how many messages it moved past (fewer than
    /// `batch` when nothing more is due, or 0 when another daemon is purging).
    public func purge(defaultDays: Int?, batch: Int) throws(PostgresError) -> Int {
        Int(try db.query("SELECT chat_purge_messages($1, $2)", [defaultDays, batch]).int(0, 0) ?? 0)
    }

    /// Sets (or with nil clears) a conversation's own retention; audited. Throws CH404.
    public func set(roomId: Int64, adminId: Int64, days: Int?) throws(PostgresError) {
        _ = try db.query("SELECT chat_set_retention($1, $2, $3)", [roomId, adminId, days])
    }

    /// The same, by an admin of the group (the group-admin errors otherwise); audited.
    public func setAsGroupAdmin(roomId: Int64, actorId: Int64, days: Int?) throws(PostgresError) {
        _ = try db.query("SELECT chat_set_group_retention($1, $2, $3)", [roomId, actorId, days])
    }
}
