import Postgres

/// Emoji reactions on messages: one per user, message and emoji.
public struct ReactionStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Adds the reaction; `created` is false when the caller had already reacted so.
    /// `reactions` is the message's summary as the caller now sees it.
    public func add(messageId: Int64, userId: Int64, emoji: String) throws(PostgresError) -> (created: Bool, reactions: JSON) {
        let result = try db.query("SELECT created, reactions FROM chat_add_reaction($1, $2, $3)", [messageId, userId, emoji])
        return (try result.requiredBool(0, 0), .raw(try result.required(0, 1)))
    }

    public func remove(messageId: Int64, userId: Int64, emoji: String) throws(PostgresError) {
        try db.query("SELECT chat_remove_reaction($1, $2, $3)", [messageId, userId, emoji])
    }

    /// Who reacted to a message, by emoji (in the order of the message's summary), the earliest
    /// `usersPerEmoji` reactors of each with their profiles; `count` is the full number.
    /// Raises like the other reaction calls (no such message, not a member).
    public func reactors(messageId: Int64, viewerId: Int64, usersPerEmoji: Int) throws(PostgresError) -> JSON {
        let result = try db.query("""
            SELECT json_build_object('messageId', m.id, 'reactions', coalesce((
                SELECT json_agg(json_build_object('emoji', s.emoji, 'count', s.n, 'reacted', s.mine, 'users', s.users)
                                ORDER BY s.first_at, s.emoji)
                FROM (SELECT r.emoji, count(*) AS n, bool_or(r.user_id = $2) AS mine, min(r.created_at) AS first_at,
                             (SELECT json_agg(chat_user_json(u) ORDER BY e.created_at, e.user_id)
                              FROM (SELECT user_id, created_at FROM message_reactions
                                    WHERE message_id = m.id AND emoji = r.emoji
                                    ORDER BY created_at, user_id LIMIT $3) e
                              JOIN users u ON u.id = e.user_id) AS users
                      FROM message_reactions r WHERE r.message_id = m.id GROUP BY r.emoji) s), '[]'::json))
            FROM chat_require_visible_message($1, $2) m
            """, [messageId, viewerId, Int64(usersPerEmoji)])
        return .raw(try result.required(0, 0))
    }
}
