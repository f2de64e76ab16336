import Postgres

/// Per-member state others may see (read markers) or only the member (mute).
public struct MemberStateStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Every member's read marker: what a client needs to show "seen by".
    public func readState(roomId: Int64, actorId: Int64) throws(PostgresError) -> JSON {
        .raw(try db.query("SELECT chat_read_state_json($1, $2)", [roomId, actorId]).required(0, 0))
    }

    public func setMuted(roomId: Int64, actorId: Int64, muted: Bool) throws(PostgresError) {
        try db.query("SELECT chat_set_muted($1, $2, $3)", [roomId, actorId, muted])
    }
}
