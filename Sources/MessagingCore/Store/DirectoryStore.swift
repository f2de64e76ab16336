import Postgres

/// The user directory and profiles (`chat_directory_page`, migration 0015).
public struct DirectoryStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Longest query accepted, in characters.
    public static let maxQueryCharacters = 64

    /// One page of users matching `query`, each with the viewer's direct conversation with them
    /// (null when none); `next` continues after the last one.
    public func search(viewer: Int64, query: String, limit: Int, after: DirectoryCursor?) throws(PostgresError) -> (users: [JSON], next: DirectoryCursor?) {
        let result = try db.query("""
            SELECT kind, sort_key, user_id,
                   (user_json::jsonb || jsonb_build_object('directConversationId', direct_conversation_id))::text
            FROM chat_directory_page($1, $2, $3, $4, $5, $6)
            """, [viewer, query, limit + 1, after?.kind ?? 0, after?.key, after?.userId])
        var users: [JSON] = []
        var last: DirectoryCursor?
        for row in 0..<min(result.rowCount, limit) {
            users.append(.raw(try result.required(row, 3)))
            last = DirectoryCursor(kind: try result.required(row, 0), key: try result.required(row, 1), userId: try result.required(row, 2))
        }
        return (users, result.rowCount > limit ? last : nil)
    }

    /// A user's profile as `viewer` sees it: presence only when today's rule shows it (the
    /// viewer themself, or someone sharing a conversation), and `roles` on the viewer's own.
    public func profile(viewer: Int64, userId: Int64, viewerRoles: Set<String>) throws(PostgresError) -> JSON? {
        let result = try db.query("""
            SELECT (chat_user_json(u)::jsonb
                    || jsonb_build_object('presence', (SELECT jsonb_build_object('online', p.online, 'lastSeenAt', p.last_seen_at)
                                                       FROM chat_user_presence($1, u.id) p))
                    || CASE WHEN u.id = $1 THEN jsonb_build_object('roles', to_jsonb(string_to_array($3, ','))) ELSE '{}'::jsonb END)::text
            FROM users u WHERE u.id = $2
            """, [viewer, userId, viewerRoles.sorted().joined(separator: ",")])
        return result.string(0, 0).map { .raw($0) }
    }
}

/// Where a directory page ended: the match kind, the folded key and the user id.
public struct DirectoryCursor: Equatable, Sendable {
    public let kind: Int
    public let key: String
    public let userId: Int64

    public init(kind: Int, key: String, userId: Int64) {
        self.kind = kind
        self.key = key
        self.userId = userId
    }

    public var encoded: String { Base64URL.encode(Array("\(kind)|\(userId)|\(key)".utf8)) }

    /// nil for anything that is not a cursor this server made (the API answers 400).
    public init?(encoded: String) {
        guard encoded.utf8.count <= 1024, let bytes = Base64URL.decode(encoded), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let parts = text.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let kind = Int(parts[0]), (1...2).contains(kind), let id = Int64(parts[1]), id > 0 else { return nil }
        self.kind = kind
        self.userId = id
        self.key = String(parts[2])
    }
}
