import Postgres

/// Full-history search over the caller's current conversations only (a removed member's
/// membership row is gone, so the join drops that conversation at once).
public struct SearchStore {
    let db: PostgresConnection
    public init(_ db: PostgresConnection) { self.db = db }

    public struct Hit {
        public let messageId: Int64
        public let rank: Int
        public let content: String
        public let message: JSON
        public let conversation: JSON
    }

    public func search(userId: Int64, query: String, conversationId: Int64?, after: SearchCursor?, limit: Int) throws(PostgresError) -> [Hit] {
        let result = try db.query(
            """
            SELECT m.id, r.rank, m.content, chat_message_json(m),
                   json_build_object('id', room.id, 'type', room.type,
                       'name', CASE WHEN room.type = 'direct' THEN (
                           SELECT u.display_name FROM users u
                           WHERE u.id = CASE WHEN room.direct_user_low = $1 THEN room.direct_user_high ELSE room.direct_user_low END)
                       ELSE room.name END)
            FROM chat_messages m
            JOIN chat_room_users cu ON cu.room_id = m.room_id AND cu.user_id = $1
            JOIN chat_rooms room ON room.id = m.room_id
            CROSS JOIN LATERAL (SELECT chat_search_rank(chat_fold(m.content), chat_fold($2)) AS rank) r
            WHERE m.deleted_at IS NULL
              AND chat_fold(m.content) LIKE '%' || chat_like_escape(chat_fold($2)) || '%'
              AND ($3::bigint IS NULL OR m.room_id = $3)
              AND ($4::int IS NULL OR (r.rank, m.id) < ($4::int, $5::bigint))
            ORDER BY r.rank DESC, m.id DESC
            LIMIT $6
            """,
            [userId, query, conversationId, after?.rank, after?.messageId, limit])
        return (0..<result.rowCount).map { row in
            Hit(messageId: result.int(row, 0)!, rank: Int(result.int(row, 1)!), content: result.string(row, 2)!,
                message: .raw(result.string(row, 3)!), conversation: .raw(result.string(row, 4)!))
        }
    }
}

/// Opaque position in search results: the last hit's rank and id.
public struct SearchCursor: Equatable {
    public let rank: Int
    public let messageId: Int64

    public init(rank: Int, messageId: Int64) {
        self.rank = rank
        self.messageId = messageId
    }

    public var encoded: String { Base64URL.encode(Array("\(rank):\(messageId)".utf8)) }

    public init?(encoded: String) {
        guard encoded.utf8.count <= 64, let bytes = Base64URL.decode(encoded), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let rank = Int(parts[0]), (0...2).contains(rank), let id = Int64(parts[1]), id > 0 else { return nil }
        self.rank = rank
        messageId = id
    }
}
