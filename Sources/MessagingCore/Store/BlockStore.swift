import Postgres

/// Blocks between users (migration 0030): who a user blocked, and blocking or unblocking someone.
/// What a block changes is enforced where it matters: `chat_open_direct` and `chat_send_message`
/// (direct conversations), `chat_user_presence` and the presence relay (RecipientStore.contacts),
/// typing (TypingStore.publish) and the H2AC input (RecipientStore.unreadCounts).
public struct BlockStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Blocks or unblocks; false when it already was so. Throws CHU04 (unknown user), CHBSF (oneself).
    public func set(blocker: Int64, blocked: Int64, block: Bool) throws(PostgresError) -> Bool {
        try db.query("SELECT chat_set_block($1, $2, $3)", [blocker, blocked, block]).bool(0, 0) ?? false
    }

    public struct Page {
        /// `{user, blockedAt}`, by user id.
        public let blocks: [JSON]
        /// The last entry's user id, for the next page; nil on the last page.
        public let next: Int64?
    }

    /// The people `blocker` blocked, by user id, after `afterUserId`.
    public func list(blocker: Int64, afterUserId: Int64?, limit: Int) throws(PostgresError) -> Page {
        let result = try db.query("""
            SELECT json_build_object('user', chat_user_json(u), 'blockedAt', b.created_at)::text, b.blocked_id
            FROM user_blocks b JOIN users u ON u.id = b.blocked_id
            WHERE b.blocker_id = $1 AND b.blocked_id > coalesce($2::bigint, 0)
            ORDER BY b.blocked_id
            LIMIT $3
            """, [blocker, afterUserId, limit + 1])
        let count = min(result.rowCount, limit)
        return Page(blocks: (0..<count).map { JSON.raw(result.string($0, 0)!) },
                    next: result.rowCount > limit && count > 0 ? result.int(count - 1, 1) : nil)
    }
}
