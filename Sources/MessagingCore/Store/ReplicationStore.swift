import Postgres

/// Where the primary's WAL stands and whether a standby has replayed that far: the two checks
/// behind read-your-writes on read replicas (ReadReplicas).
public struct ReplicationStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// On the primary: the WAL flushed so far (pg_lsn text). Every commit acknowledged to a
    /// client, and so every event a push frame announced, ends at or before it.
    public func flushedPosition() throws(PostgresError) -> String {
        try db.query("SELECT pg_current_wal_flush_lsn()::text").string(0, 0) ?? "0/0"
    }

    public enum Replay: Sendable { case caughtUp, behind, notAStandby }

    /// On a replica: whether it has replayed up to `position`. A node out of recovery (it was
    /// promoted) is no replica any more: the caller leaves it to the primary's connection.
    public func replay(upTo position: String) throws(PostgresError) -> Replay {
        let result = try db.query("SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", [position])
        guard result.bool(0, 0) == true else { return .notAStandby }
        return result.bool(0, 1) == true ? .caughtUp : .behind
    }
}
