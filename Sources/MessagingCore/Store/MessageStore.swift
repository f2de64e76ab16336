import Postgres

/// Messages: history pages and sends.
public struct MessageStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public struct HistoryPage {
        /// Oldest first, as a client renders them.
        public let messages: [JSON]
        /// Pass as `before` for the next (older) page; nil at the beginning of the conversation.
        public let nextBefore: Int64?
    }

    public func history(roomId: Int64, viewerId: Int64, before: Int64?, limit: Int) throws(PostgresError) -> HistoryPage {
        try db.query("SELECT chat_require_member($1, $2)", [roomId, viewerId])
        // The room id reaches the page's query through LATERAL, as a value the planner does not
        // know: it then walks the room's (room_id, id) index. Given the id as a constant, a room
        // holding most of the table made it walk the whole table's primary key backwards,
        // skipping every newer message of other rooms (40 ms instead of 1 ms for a page).
        let result = try db.query(
            """
            SELECT page.id, page.message
            FROM chat_rooms r
            CROSS JOIN LATERAL (
                SELECT m.id, chat_message_json(m, chat_reactions_json(m.id, $2)) AS message
                FROM chat_messages m
                WHERE m.room_id = r.id AND ($3::bigint IS NULL OR m.id < $3)
                ORDER BY m.id DESC
                LIMIT $4) page
            WHERE r.id = $1
            ORDER BY page.id DESC
            """,
            [roomId, viewerId, before, limit + 1])
        let count = min(result.rowCount, limit)
        let newestFirst = try (0..<count).map { row throws(PostgresError) in JSON.raw(try result.required(row, 1)) }
        let next = result.rowCount > limit && count > 0 ? result.int(count - 1, 0) : nil
        return HistoryPage(messages: newestFirst.reversed(), nextBefore: next)
    }

    public struct Draft {
        public var content: String
        public var mediaURL: String?
        public var mediaType: String?
        public var clientMessageId: String?
        public var replyToId: Int64?

        public init(content: String, mediaURL: String? = nil, mediaType: String? = nil, clientMessageId: String? = nil, replyToId: Int64? = nil) {
            self.content = content
            self.mediaURL = mediaURL
            self.mediaType = mediaType
            self.clientMessageId = clientMessageId
            self.replyToId = replyToId
        }
    }

    /// Stores the message and its event (in the caller's transaction, or one of its own).
    /// `created` is false when a retry with the same clientMessageId found the original.
    /// REST sends go through SendBatcher instead (group commit, the rate limit in the transaction).
    public func send(roomId: Int64, senderId: Int64, draft: Draft) throws(PostgresError) -> (message: JSON, created: Bool) {
        let result = try db.query(
            "SELECT message, created FROM chat_send_message($1, $2, $3, $4, $5, $6, $7)",
            [roomId, senderId, draft.content, draft.mediaURL, draft.mediaType, draft.clientMessageId, draft.replyToId])
        return (.raw(try result.required(0, 0)), try result.requiredBool(0, 1))
    }

    /// One message as REST renders it, without the viewer-specific reactions; nil when it is gone.
    public func json(messageId: Int64) throws(PostgresError) -> JSON? {
        try db.query("SELECT chat_message_json(m) FROM chat_messages m WHERE m.id = $1", [messageId]).string(0, 0).map { .raw($0) }
    }
}
