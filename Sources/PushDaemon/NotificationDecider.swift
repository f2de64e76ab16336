import Hooks
import MessagingCore

/// The per-recipient H2AC decision for an event frame (toast, badge, sound, scroll), added to the
/// frame as `h2ac`. Called only on the listener thread, so an implementation that is not
/// thread-safe (a Lua state) needs no locking.
protocol NotificationDecider: AnyObject {
    /// One decision per recipient: `shared` is what every recipient's input has in common,
    /// each element of `recipients` the fields of one (its `recipient` object).
    func decisions(for event: HookEvent, shared: [(String, JSON)], recipients: [[(String, JSON)]]) -> [JSON]
}

/// The Lua hooks (`Sources/Hooks`): new messages, reactions and read receipts.
extension HookEngine: NotificationDecider {
    func decisions(for event: HookEvent, shared: [(String, JSON)], recipients: [[(String, JSON)]]) -> [JSON] {
        notifications(for: event, shared: shared, recipients: recipients)
    }
}

extension EventKind {
    /// The hook that decides this kind's notifications; nil for kinds without one (their frames
    /// carry no `h2ac`, and no hook input is read for them).
    var hookEvent: HookEvent? {
        switch self {
        case .newMessage: .newMessage
        case .reactionAdded: .reactionAdded
        case .messageRead: .messageRead
        case .messageEdited, .messageDeleted, .reactionRemoved, .conversationCreated, .conversationUpdated, .memberAdded,
             .memberRemoved, .roleChanged, .userUpdated, .accountDeactivated:
            nil
        }
    }
}

/// Builds the hook input for each local recipient of an event:
/// {event, message, sender, conversation{id,type,name,participantCount},
///  recipient{id, focusedConversationId, unreadTotal, unreadInConversation, muted}}.
/// Unread counts are read once per event for all local recipients (`last_seq - last_read_seq`).
struct NotificationInputs {
    /// Read fresh for every event, with the mute flag: a mute changes nothing others must
    /// see, so it writes no event and the recipient cache would not learn of it.
    struct Unread {
        var total: Int64
        var inConversation: Int64
        var muted: Bool
    }

    static func unreadCounts(users: [Int64], roomId: Int64, connection: PostgresConnection) throws -> [Int64: Unread] {
        guard !users.isEmpty else { return [:] }
        let result = try connection.query("""
            SELECT m.user_id, coalesce(sum(greatest(r.last_seq - m.last_read_seq, 0)), 0)::bigint,
                   coalesce(sum(greatest(r.last_seq - m.last_read_seq, 0)) FILTER (WHERE m.room_id = $2), 0)::bigint,
                   coalesce(bool_or(m.muted) FILTER (WHERE m.room_id = $2), false)
            FROM chat_room_users m JOIN chat_rooms r ON r.id = m.room_id
            WHERE m.user_id = ANY ($1::bigint[])
            GROUP BY m.user_id
            """, [PostgresBigintArray(users), roomId])
        var counts: [Int64: Unread] = [:]
        for row in 0..<result.rowCount {
            guard let user = result.int(row, 0) else { continue }
            counts[user] = Unread(total: result.int(row, 1) ?? 0, inConversation: result.int(row, 2) ?? 0, muted: result.bool(row, 3) ?? false)
        }
        return counts
    }

    /// The parts shared by every recipient of one event, in the shape `lua/README.md` documents:
    /// for a reaction, the reacted-to message, the reactor as `sender` and a `reaction`; for a
    /// read receipt, the reader. Looked up once per event, not per recipient.
    struct EventParts {
        var message: JSON
        var sender: JSON
        var conversation: JSON
        var extra: [(String, JSON)] = []
    }

    static func eventPart(_ event: LoggedEvent, _ hookEvent: HookEvent, room: RecipientCache.Room?, connection: PostgresConnection) throws -> EventParts {
        let payload = (try? JSON.parse(event.payload)) ?? .null
        let conversation: JSON = [
            "id": .int(event.roomId),
            "type": .string(room?.type ?? "group"),
            "name": JSON(room?.name),
            "participantCount": JSON(room?.members.count ?? 0),
        ]
        let actorId = payload["userId"]?.intValue
        switch hookEvent {
        case .newMessage:
            return EventParts(message: payload, sender: payload["sender"] ?? .null, conversation: conversation)
        case .reactionAdded:
            let message = try payload["messageId"]?.intValue.flatMap {
                try connection.query("SELECT chat_message_json(m) FROM chat_messages m WHERE m.id = $1", [$0]).string(0, 0)
            }.flatMap { try? JSON.parse($0) } ?? .null  // parsed once here, not once per recipient
            let reaction: JSON = ["emoji": payload["emoji"] ?? .null, "userId": JSON(actorId), "count": payload["count"] ?? .null]
            return EventParts(message: message, sender: try user(actorId, connection), conversation: conversation, extra: [("reaction", reaction)])
        case .messageRead:
            let reader = try user(actorId, connection)
            return EventParts(message: payload, sender: reader, conversation: conversation,
                              extra: [("reader", reader), ("upToMessageId", payload["upToMessageId"] ?? .null)])
        }
    }

    private static func user(_ id: Int64?, _ connection: PostgresConnection) throws -> JSON {
        guard let id, let text = try connection.query("SELECT chat_user_json(u) FROM users u WHERE u.id = $1", [id]).string(0, 0),
              let user = try? JSON.parse(text) else {
            return id.map { ["id": .int($0)] } ?? .null
        }
        return user
    }

    /// What every recipient's hook input has in common.
    static func shared(_ event: HookEvent, parts: EventParts) -> [(String, JSON)] {
        [("event", .string(event.rawValue)), ("message", parts.message), ("sender", parts.sender), ("conversation", parts.conversation)]
            + parts.extra
    }

    /// One recipient's own part of the input.
    static func recipient(_ recipient: Int64, focus: Int64?, unread: Unread?, muted: Bool) -> [(String, JSON)] {
        [("recipient", [
            "id": .int(recipient),
            "focusedConversationId": JSON(focus),
            "unreadTotal": .int(unread?.total ?? 0),
            "unreadInConversation": .int(unread?.inConversation ?? 0),
            "muted": .bool(muted),
        ])]
    }
}
