import Hooks
import MessagingCore

/// The per-recipient H2AC decision for an event frame (toast, badge, sound, scroll), added to the
/// frame as `h2ac`. Called only on the listener thread, so an implementation that is not
/// thread-safe (a Lua state) needs no locking. nil: the event kind has no hook.
protocol NotificationDecider: AnyObject {
    func decision(forEvent kind: String, input: JSON) -> JSON?
}

/// The Lua hooks (`Sources/Hooks`): new messages, reactions and read receipts.
extension HookEngine: NotificationDecider {
    func decision(forEvent kind: String, input: JSON) -> JSON? {
        notification(forEvent: kind, input)
    }
}

/// Builds the hook input for each local recipient of an event:
/// {event, message, sender, conversation{id,type,name,participantCount},
///  recipient{id, focusedConversationId, unreadTotal, unreadInConversation, muted}}.
/// Unread counts are read once per event for all local recipients (`last_seq - last_read_seq`).
struct NotificationInputs {
    static let hookedKinds: Set<String> = ["new_message", "reaction_added", "reaction_removed", "message_read"]

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

    /// The parts shared by every recipient of one event.
    static func eventPart(_ event: LoggedEvent, room: RecipientCache.Room?) -> (message: JSON, sender: JSON, conversation: JSON) {
        let payload = (try? JSON.parse(event.payload)) ?? .null
        let sender: JSON
        if event.kind == "new_message", let s = payload["sender"] {
            sender = s
        } else if let userId = payload["userId"]?.intValue ?? payload["senderId"]?.intValue {
            sender = ["id": .int(userId)]
        } else {
            sender = .null
        }
        let conversation: JSON = [
            "id": .int(event.roomId),
            "type": .string(room?.type ?? "group"),
            "name": JSON(room?.name),
            "participantCount": JSON(room?.members.count ?? 0),
        ]
        return (payload, sender, conversation)
    }

    static func input(kind: String, message: JSON, sender: JSON, conversation: JSON, recipient: Int64, focus: Int64?,
                      unread: Unread?, muted: Bool) -> JSON {
        [
            "event": .string(kind),
            "message": message,
            "sender": sender,
            "conversation": conversation,
            "recipient": [
                "id": .int(recipient),
                "focusedConversationId": JSON(focus),
                "unreadTotal": .int(unread?.total ?? 0),
                "unreadInConversation": .int(unread?.inConversation ?? 0),
                "muted": .bool(muted),
            ],
        ]
    }
}
