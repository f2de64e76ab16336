import Hooks
import MessagingCore

/// The per-recipient H2AC decision for an event frame (toast, badge, sound, scroll), added to the
/// frame as `h2ac`. Each event loop has its own (`LoopHooks`) and calls it only on its own
/// thread, so an implementation that is not thread-safe (a Lua state) needs no locking.
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
             .memberRemoved, .roleChanged, .userUpdated, .accountDeactivated, .accountSuspended:
            nil
        }
    }
}

/// Builds the hook input for each local recipient of an event:
/// {event, message, sender, conversation{id,type,name,participantCount},
///  recipient{id, focusedConversationId, unreadTotal, unreadInConversation, muted, senderBlocked}}.
/// Unread counts are read once per event for all local recipients (see RecipientStore.unreadCounts).
struct NotificationInputs {
    /// The parts shared by every recipient of one event, in the shape `lua/README.md` documents:
    /// for a reaction, the reacted-to message, the reactor as `sender` and a `reaction`; for a
    /// read receipt, the reader. Looked up once per event, not per recipient.
    struct EventParts {
        var message: JSON
        var sender: JSON
        var conversation: JSON
        var extra: [(String, JSON)] = []
    }

    static func eventPart(_ event: LoggedEvent, _ hookEvent: HookEvent, room: RecipientCache.Room?, connection: DatabaseConnection) throws -> EventParts {
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
            let message = try payload["messageId"]?.intValue.flatMap { try MessageStore(connection).json(messageId: $0) }
                .flatMap(parsed) ?? .null  // parsed once here, not once per recipient
            let reaction: JSON = ["emoji": payload["emoji"] ?? .null, "userId": JSON(actorId), "count": payload["count"] ?? .null]
            return EventParts(message: message, sender: try user(actorId, connection), conversation: conversation, extra: [("reaction", reaction)])
        case .messageRead:
            let reader = try user(actorId, connection)
            return EventParts(message: payload, sender: reader, conversation: conversation,
                              extra: [("reader", reader), ("upToMessageId", payload["upToMessageId"] ?? .null)])
        }
    }

    private static func user(_ id: Int64?, _ connection: DatabaseConnection) throws -> JSON {
        guard let id, let user = try UserStore(connection).json(id: id).flatMap(parsed) else {
            return id.map { ["id": .int($0)] } ?? .null
        }
        return user
    }

    /// A stored rendering (`.raw` JSON text) as a value the hook input can hold.
    private static func parsed(_ stored: JSON) -> JSON? {
        guard case let .raw(text) = stored else { return stored }
        return try? JSON.parse(text)
    }

    /// Who caused the event, for `senderBlocked`: the sender of a new message, the reactor, the reader.
    static func actorId(_ event: LoggedEvent, _ hookEvent: HookEvent) -> Int64? {
        let payload = try? JSON.parse(event.payload)
        return hookEvent == .newMessage ? payload?["senderId"]?.intValue : payload?["userId"]?.intValue
    }

    /// What every recipient's hook input has in common.
    static func shared(_ event: HookEvent, parts: EventParts) -> [(String, JSON)] {
        [("event", .string(event.rawValue)), ("message", parts.message), ("sender", parts.sender), ("conversation", parts.conversation)]
            + parts.extra
    }

    /// One recipient's own part of the input.
    static func recipient(_ recipient: Int64, focus: Int64?, unread: RecipientStore.Unread?, muted: Bool) -> [(String, JSON)] {
        [("recipient", [
            "id": .int(recipient),
            "focusedConversationId": JSON(focus),
            "unreadTotal": .int(unread?.total ?? 0),
            "unreadInConversation": .int(unread?.inConversation ?? 0),
            "muted": .bool(muted),
            // This recipient blocked the sender (or reactor): the shipped script stays silent.
            "senderBlocked": .bool(unread?.blockedActor ?? false),
        ])]
    }
}
