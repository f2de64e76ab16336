import Postgres

/// The errors of the database layer, as the executables catch them (SQLSTATE, connection loss).
public typealias DatabaseError = PostgresError

/// A connection to the messaging database as the executables hold it: they open it, reconnect
/// it, LISTEN and drain notifications, and hand it to the stores. Only the stores (in this
/// module) write SQL; nothing here runs a statement the caller names. Not thread-safe: each
/// thread owns its own, like the libpq connection inside.
public final class DatabaseConnection {
    let postgres: PostgresConnection

    public init(settings: PostgresSettings) throws(PostgresError) {
        postgres = try PostgresConnection(settings: settings)
    }

    public var isConnected: Bool { postgres.isConnected }

    /// Reconnects if the server went away.
    public func ensureConnected() throws(PostgresError) {
        try postgres.ensureConnected()
    }

    /// Between requests: drops a connection the server closed while it sat idle.
    public func checkIdleConnection() {
        postgres.checkIdleConnection()
    }

    /// BEGIN ... COMMIT around `body` (its store calls); ROLLBACK if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try postgres.transaction(body)
    }

    /// Whether the server answers a query now (the health check).
    public func ping() throws(PostgresError) {
        _ = try postgres.query("SELECT 1")
    }

    // MARK: LISTEN / NOTIFY

    /// Subscribes this connection to the channels (names from `NotificationChannel`, never input).
    public func listen(_ channels: [NotificationChannel]) throws(PostgresError) {
        _ = try postgres.execute(script: channels.map { "LISTEN \($0.rawValue);" }.joined(separator: " "))
    }

    /// The socket to wait on for notifications (poll/epoll), or -1 when not connected.
    public var socketDescriptor: Int32 { postgres.socketDescriptor }

    /// Reads what arrived on the socket and returns the notifications received so far (those of
    /// channels this build does not know are dropped).
    public func drainNotifications() throws(PostgresError) -> [(channel: NotificationChannel, payload: String)] {
        try postgres.drainNotifications().compactMap { notification in
            NotificationChannel(rawValue: notification.channel).map { ($0, notification.payload) }
        }
    }

    /// Plans each statement for its own parameters, never a cached generic plan. For the push
    /// daemon's connection: the per-event unread counts take an array of every local recipient;
    /// after five events a cached generic plan scanned every membership against the whole array
    /// (EXPLAIN ANALYZE: 2.2 ms, against 1.2 ms plus 0.6 ms of planning). W3-1000, interleaved
    /// fresh runs: PostgreSQL 1.7 µs per delivery with this, 2.0-2.1 without. Planning costs tens
    /// of µs a query, and wake-ups are rate-limited by the pools.
    public func planEachStatementForItsParameters() throws(PostgresError) {
        _ = try postgres.execute(script: "SET plan_cache_mode = force_custom_plan")
    }
}
