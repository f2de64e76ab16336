import Postgres

/// Typing indicators between the push daemons: published on `chat_typing`, never stored.
public struct TypingStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Sends the indicator to every daemon (this one included); `payload` is small JSON.
    public func publish(_ payload: String) throws(PostgresError) {
        _ = try db.query("SELECT pg_notify($1, $2)", [NotificationChannel.typing.rawValue, payload])
    }
}
