import Postgres

/// Full-history search over the caller's current conversations only (a removed member's
/// membership row is gone, so the join drops that conversation at once).
///
/// The newest `window` matches in the caller's conversations are ranked (whole word, then
/// prefix, then inside a word; newest first within a rank) and paged. Three ways find those
/// matches, cheapest first; each gives the same set or declines:
/// - walking histories backwards, newest conversation first, for at most `walkBudget` messages
///   (`chat_search_recent`): a term found in most recent messages is done after `window` rows,
///   where the trigram index would read an entry for every match (96 ms for a term in a million);
/// - the trigram index, when the term is in fewer than `rareLimit` messages of all conversations;
/// - otherwise walking the caller's whole histories (a term frequent elsewhere, sparse here).
public struct SearchStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public static let window = 1000
    public static let walkBudget = 2 * window
    public static let rareLimit = 2000

    public struct Hit {
        public let messageId: Int64
        public let rank: Int
        public let content: String
        public let message: JSON
        public let conversation: JSON
    }

    public func search(userId: Int64, query: String, conversationId: Int64?, after: SearchCursor?, limit: Int) throws -> [Hit] {
        try db.transaction {
            // One snapshot for finding the matches and ranking them: a message edited or deleted
            // in between must not be ranked on text that no longer matches.
            try db.execute(script: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            // The right plan depends on the term and on the caller (how rare the term is, how many
            // conversations they are in). A prepared statement's cached generic plan guessed 13
            // conversations for a user in 500 and ran the trigram index scan once per conversation:
            // 7.6 s instead of 50 ms. Planning each search afresh costs a millisecond or two.
            try db.execute(script: "SET LOCAL plan_cache_mode = force_custom_plan")
            let parameters: [(any PostgresBindable)?] = [userId, query, conversationId]
            let matches = try db.query(SearchStore.walkRecent, parameters + [SearchStore.walkBudget]).string(0, 0)
                ?? db.query(SearchStore.rareMatches, parameters).string(0, 0)
                ?? walkEverything(parameters)
            return try rank(matches: matches, userId: userId, query: query, after: after, limit: limit)
        }
    }

    static let walkRecent = "SELECT chat_search_recent($1, $3, $2, \(window), $4)"

    /// NULL when the term is in `rareLimit` messages or more, over all conversations (counting
    /// further would read the whole index entry of a common term).
    static let rareMatches = """
        WITH matches AS MATERIALIZED (
            SELECT m.id, m.room_id FROM chat_messages m
            WHERE m.deleted_at IS NULL AND chat_fold(m.content) LIKE '%' || chat_like_escape(chat_fold($2)) || '%'
            LIMIT \(rareLimit))
        SELECT CASE WHEN count(*) < \(rareLimit) THEN ARRAY(
            SELECT x.id FROM matches x
            JOIN chat_room_users cu ON cu.room_id = x.room_id AND cu.user_id = $1
            WHERE ($3::bigint IS NULL OR x.room_id = $3)
            ORDER BY x.id DESC LIMIT \(window)) END
        FROM matches
        """

    /// The newest matches of each of the caller's conversations, then the newest of those.
    private func walkEverything(_ parameters: [(any PostgresBindable)?]) throws -> String {
        // The trigram index estimates any term as rare; this plan must walk histories.
        try db.execute(script: "SET LOCAL enable_bitmapscan = off")
        return try db.query(
            """
            SELECT ARRAY(
                SELECT x.id FROM chat_room_users cu
                CROSS JOIN LATERAL (
                    SELECT m.id FROM chat_messages m
                    WHERE m.room_id = cu.room_id AND m.deleted_at IS NULL
                      AND chat_fold(m.content) LIKE '%' || chat_like_escape(chat_fold($2)) || '%'
                    ORDER BY m.id DESC LIMIT \(SearchStore.window)) x
                WHERE cu.user_id = $1 AND ($3::bigint IS NULL OR cu.room_id = $3)
                ORDER BY x.id DESC LIMIT \(SearchStore.window))
            """,
            parameters).required(0, 0)
    }

    /// `matches`: the ids found above, as a PostgreSQL array literal.
    private func rank(matches: String, userId: Int64, query: String, after: SearchCursor?, limit: Int) throws -> [Hit] {
        let result = try db.query(
            """
            SELECT m.id, r.rank, m.content, chat_message_json(m),
                   json_build_object('id', room.id, 'type', room.type,
                       'name', CASE WHEN room.type = 'direct' THEN (
                           SELECT u.display_name FROM users u
                           WHERE u.id = CASE WHEN room.direct_user_low = $1 THEN room.direct_user_high ELSE room.direct_user_low END)
                       ELSE room.name END)
            FROM unnest($6::bigint[]) AS c(id)
            JOIN chat_messages m ON m.id = c.id
            JOIN chat_rooms room ON room.id = m.room_id
            CROSS JOIN LATERAL (SELECT chat_search_rank(chat_fold(m.content), chat_fold($2)) AS rank) r
            WHERE ($3::int IS NULL OR (r.rank, m.id) < ($3::int, $4::bigint))
            ORDER BY r.rank DESC, m.id DESC
            LIMIT $5
            """,
            [userId, query, after?.rank, after?.messageId, limit, matches])
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
