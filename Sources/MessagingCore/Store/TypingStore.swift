import Postgres

/// Typing indicators between the push daemons: published on `chat_typing`, never stored.
public struct TypingStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Most members a payload lists as not to be told (`b`): NOTIFY payloads stay far below 8,000 bytes.
    public static let maxHiddenFrom = 400

    /// Sends the indicator to every daemon (this one included) as small JSON: `c` room, `u` user,
    /// `n` username, `t` typing, `b` the room's members the typist blocked (they are not told).
    public func publish(room: Int64, userId: Int64, username: String, isTyping: Bool) throws(PostgresError) {
        _ = try db.query("""
            SELECT pg_notify($1, json_build_object('c', $2::bigint, 'u', $3::bigint, 'n', $4::text, 't', $5::boolean,
                'b', ARRAY(SELECT k.blocked_id FROM user_blocks k JOIN chat_room_users m ON m.room_id = $2 AND m.user_id = k.blocked_id
                           WHERE k.blocker_id = $3 LIMIT $6))::text)
            """, [NotificationChannel.typing.rawValue, room, userId, username, isTyping, TypingStore.maxHiddenFrom])
    }
}
