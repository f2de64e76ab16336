import Postgres

/// Presence (`push_presence`, migration 0003): each push daemon's rows for the users connected to
/// it, and what a user may see of another's.
public struct PresenceStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// After a daemon (re)connects: its rows are dropped, to be rebuilt from who is connected now.
    public func reset(daemonId: String) throws(PostgresError) {
        _ = try db.query("SELECT chat_presence_reset($1)", [daemonId])
    }

    /// Users who came online at this daemon and users who left it (online elsewhere stays online).
    public func update(daemonId: String, online: [Int64], offline: [Int64]) throws(PostgresError) {
        _ = try db.query("SELECT chat_presence_update($1, $2::bigint[], $3::bigint[])",
                         [daemonId, PostgresBigintArray(online), PostgresBigintArray(offline)])
    }

    /// The daemon is alive: its rows stay valid.
    public func heartbeat(daemonId: String) throws(PostgresError) {
        _ = try db.query("SELECT chat_presence_heartbeat($1)", [daemonId])
    }

    /// At shutdown: the daemon's users go offline (unless connected elsewhere) and it is forgotten.
    public func leave(daemonId: String, users: [Int64]) throws(PostgresError) {
        try update(daemonId: daemonId, online: [], offline: users)
        _ = try db.query("DELETE FROM push_daemons WHERE daemon_id = $1", [daemonId])
    }

    public struct Presence: Sendable {
        public let online: Bool
        /// Postgres text timestamptz ("2026-11-25 12:06:35.73+00"); nil while never seen.
        public let lastSeenAt: String?
    }

    /// `userId`'s presence as `viewerId` may see it; nil when the viewer may not (or no such user).
    public func presence(of userId: Int64, viewer viewerId: Int64) throws(PostgresError) -> Presence? {
        let result = try db.query("SELECT online, last_seen_at FROM chat_user_presence($1, $2)", [viewerId, userId])
        guard result.rowCount == 1 else { return nil }
        return Presence(online: try result.requiredBool(0, 0), lastSeenAt: result.string(0, 1))
    }
}
