import Foundation
import Postgres

/// Conversations: the caller's list, direct chats (one per pair), groups.
public struct ConversationStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public struct Page {
        public let conversations: [JSON]
        public let nextCursor: String?
    }

    /// The caller's conversations, newest activity first, one entry each.
    public func list(userId: Int64, cursor: ConversationCursor?, limit: Int) throws(PostgresError) -> Page {
        // The page's rooms first, then their rendering joined in (chat_conversations_json is
        // inlined into this query: one executor for the page, not one per conversation).
        // Each membership's room by its primary key (LATERAL ... OFFSET 0): joined freely, the
        // planner hashed the user's 500 memberships against a sequential scan of all 50,000
        // rooms (15 ms, against 2 ms so), a cost that grew with everybody's conversations.
        let result = try db.query(
            """
            SELECT c.room_id, c.conversation, c.activity_at::text
            FROM (SELECT r.id FROM chat_room_users cu
                  CROSS JOIN LATERAL (SELECT id, last_activity_at FROM chat_rooms WHERE chat_rooms.id = cu.room_id OFFSET 0) r
                  WHERE cu.user_id = $1
                    AND ($2::timestamptz IS NULL OR (r.last_activity_at, r.id) < ($2::timestamptz, $3::bigint))
                  ORDER BY r.last_activity_at DESC, r.id DESC
                  LIMIT $4) page
            CROSS JOIN LATERAL chat_conversations_json(ARRAY[page.id], $1) c
            ORDER BY c.activity_at DESC, c.room_id DESC
            """,
            [userId, cursor?.activityAt, cursor?.roomId, limit + 1])
        let count = min(result.rowCount, limit)
        let items = try (0..<count).map { row throws(PostgresError) in JSON.raw(try result.required(row, 1)) }
        var next: String?
        if result.rowCount > limit, count > 0 {
            next = ConversationCursor(activityAt: try result.required(count - 1, 2), roomId: try result.required(count - 1, 0)).encoded
        }
        return Page(conversations: items, nextCursor: next)
    }

    /// The direct conversation between the two, created if needed. `created` is false when it existed.
    public func openDirect(userId: Int64, otherUserId: Int64) throws(PostgresError) -> (roomId: Int64, created: Bool) {
        let result = try db.query("SELECT room_id, created FROM chat_open_direct($1, $2)", [userId, otherUserId])
        return (try result.required(0, 0), try result.requiredBool(0, 1))
    }

    public func createGroup(creatorId: Int64, name: String, avatar: String?, participantIds: [Int64]) throws(PostgresError) -> Int64 {
        let result = try db.query(
            "SELECT chat_create_group($1, $2, $3, $4::bigint[])",
            [creatorId, name, avatar, PostgresBigintArray(participantIds)])
        return try result.required(0, 0)
    }

    /// Whether the two users have a direct conversation.
    public func directExists(between userId: Int64, and otherUserId: Int64) throws(PostgresError) -> Bool {
        try db.query(
            "SELECT 1 FROM chat_rooms WHERE direct_user_low = least($1::bigint, $2::bigint) AND direct_user_high = greatest($1::bigint, $2::bigint)",
            [userId, otherUserId]).rowCount == 1
    }

    /// Throws the not-found or not-a-member error (404 / 403) unless `userId` is a member of the room.
    public func requireMember(roomId: Int64, userId: Int64) throws(PostgresError) {
        _ = try db.query("SELECT chat_require_member($1, $2)", [roomId, userId])
    }

    /// One conversation as `viewerId` sees it.
    public func json(roomId: Int64, viewerId: Int64) throws(PostgresError) -> JSON {
        .raw(try db.query("SELECT chat_conversation_json($1, $2)", [roomId, viewerId]).required(0, 0))
    }
}

/// Opaque position in the conversation list: the last entry's activity time and id.
public struct ConversationCursor: Equatable {
    public let activityAt: String
    public let roomId: Int64

    public init(activityAt: String, roomId: Int64) {
        self.activityAt = activityAt
        self.roomId = roomId
    }

    public var encoded: String { Base64URL.encode(Array("\(activityAt)|\(roomId)".utf8)) }

    /// nil for anything that is not a cursor this server made (the API answers 400).
    public init?(encoded: String) {
        guard encoded.utf8.count <= 200, let bytes = Base64URL.decode(encoded),
              let text = String(validating: bytes, as: UTF8.self),
              let bar = text.lastIndex(of: "|"), let id = Int64(text[text.index(after: bar)...]),
              text[..<bar].allSatisfy({ $0.isNumber || " -:.+".contains($0) }), !text[..<bar].isEmpty
        else { return nil }
        activityAt = String(text[..<bar])
        roomId = id
    }
}
