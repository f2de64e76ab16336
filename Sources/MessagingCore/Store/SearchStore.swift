import Postgres

/// Full-history search over the caller's current conversations only (a removed member's
/// membership row is gone, so the join drops that conversation at once).
///
/// Two plans, chosen by how common the term is (a bounded count through the trigram index):
/// - a rare term: every match in the caller's conversations is found through the index and
///   ranked (whole word, then prefix, then inside a word; newest first within a rank);
/// - a common term (`commonThreshold` matches or more): ranking every match would read them all
///   (4.7 s for a term in a million messages), so the newest `recentWindow` matches, found by
///   walking each conversation's history backwards, are ranked instead.
public struct SearchStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public static let commonThreshold = 2000
    public static let recentWindow = 1000

    public struct Hit {
        public let messageId: Int64
        public let rank: Int
        public let content: String
        public let message: JSON
        public let conversation: JSON
    }

    public func search(userId: Int64, query: String, conversationId: Int64?, after: SearchCursor?, limit: Int) throws -> [Hit] {
        try db.transaction {
            // The right plan depends on the term and on the caller (how rare the term is, how many
            // conversations they are in). A prepared statement's cached generic plan guessed 13
            // conversations for a user in 500 and ran the trigram index scan once per conversation:
            // 7.6 s instead of 50 ms. Planning each search afresh costs a millisecond or two.
            try db.execute(script: "SET LOCAL plan_cache_mode = force_custom_plan")
            let matches = try db.query(
                """
                SELECT count(*) FROM (
                    SELECT 1 FROM chat_messages m
                    WHERE m.deleted_at IS NULL AND chat_fold(m.content) LIKE '%' || chat_like_escape(chat_fold($1)) || '%'
                    LIMIT $2) s
                """,
                [query, SearchStore.commonThreshold]).required(0, 0, as: Int64.self)
            if matches < Int64(SearchStore.commonThreshold) {
                return try rank(candidates: SearchStore.indexedCandidates, userId: userId, query: query, conversationId: conversationId, after: after, limit: limit)
            }
            // The trigram index estimates any term as rare; for this plan it must walk histories.
            try db.execute(script: "SET LOCAL enable_bitmapscan = off")
            return try rank(candidates: SearchStore.recentCandidates, userId: userId, query: query, conversationId: conversationId, after: after, limit: limit)
        }
    }

    /// Every match in the caller's conversations, through the trigram index.
    static let indexedCandidates = """
        SELECT m.id FROM chat_messages m
        JOIN chat_room_users cu ON cu.room_id = m.room_id AND cu.user_id = $1
        WHERE m.deleted_at IS NULL
          AND chat_fold(m.content) LIKE '%' || chat_like_escape(chat_fold($2)) || '%'
          AND ($3::bigint IS NULL OR m.room_id = $3)
        """

    /// The newest matches of each of the caller's conversations, then the newest of those.
    static let recentCandidates = """
        SELECT x.id FROM chat_room_users cu
        CROSS JOIN LATERAL (
            SELECT m.id FROM chat_messages m
            WHERE m.room_id = cu.room_id AND m.deleted_at IS NULL
              AND chat_fold(m.content) LIKE '%' || chat_like_escape(chat_fold($2)) || '%'
            ORDER BY m.id DESC LIMIT \(recentWindow)) x
        WHERE cu.user_id = $1 AND ($3::bigint IS NULL OR cu.room_id = $3)
        ORDER BY x.id DESC LIMIT \(recentWindow)
        """

    private func rank(candidates: String, userId: Int64, query: String, conversationId: Int64?, after: SearchCursor?, limit: Int) throws -> [Hit] {
        let result = try db.query(
            """
            WITH candidates AS MATERIALIZED (\(candidates))
            SELECT m.id, r.rank, m.content, chat_message_json(m),
                   json_build_object('id', room.id, 'type', room.type,
                       'name', CASE WHEN room.type = 'direct' THEN (
                           SELECT u.display_name FROM users u
                           WHERE u.id = CASE WHEN room.direct_user_low = $1 THEN room.direct_user_high ELSE room.direct_user_low END)
                       ELSE room.name END)
            FROM candidates c
            JOIN chat_messages m ON m.id = c.id
            JOIN chat_rooms room ON room.id = m.room_id
            CROSS JOIN LATERAL (SELECT chat_search_rank(chat_fold(m.content), chat_fold($2)) AS rank) r
            WHERE ($4::int IS NULL OR (r.rank, m.id) < ($4::int, $5::bigint))
            ORDER BY r.rank DESC, m.id DESC
            LIMIT $6
            """,
            [userId, query, conversationId, after?.rank, after?.messageId, limit])
        return try (0..<result.rowCount).map { row throws(PostgresError) in
            Hit(messageId: try result.required(row, 0), rank: try result.required(row, 1), content: try result.required(row, 2),
                message: .raw(try result.required(row, 3)), conversation: .raw(try result.required(row, 4)))
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
