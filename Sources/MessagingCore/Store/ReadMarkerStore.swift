import Postgres

/// Each member's read marker, which only moves forward.
public struct ReadMarkerStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public struct Marker {
        public let unreadCount: Int64
        public let lastReadMessageId: Int64?
        public let moved: Bool
    }

    /// Moves the marker to `upTo` (or the newest message); returns the caller's unread count.
    public func markRead(roomId: Int64, userId: Int64, upTo: Int64?) throws(PostgresError) -> Marker {
        let result = try db.query(
            "SELECT unread_count, last_read_message_id, moved FROM chat_mark_read($1, $2, $3)", [roomId, userId, upTo])
        return Marker(unreadCount: try result.required(0, 0), lastReadMessageId: result.int(0, 1), moved: try result.requiredBool(0, 2))
    }
}
