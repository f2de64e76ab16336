import Foundation
import MessagingCore

/// `POST /api/h2ac/preview`: a staff member's made-up situation turned into the hook input the
/// push daemon builds for a real event (`NotificationInputs` in Sources/PushDaemon), so the
/// current scripts decide about it exactly as they would live. Pure: no database, no scripts.
///
/// Body: `{"event", "content"?, "mediaType"?, "senderName"?, "emoji"?, "conversation"?: {"type",
/// "name"}, "recipient"?: {"focused", "muted", "unreadTotal", "unreadInConversation", "isSender", "senderBlocked"}}`.
struct HookPreviewInput {
    static let events = ["new_message", "reaction_added", "message_read"]
    /// The function of `lua/notifications.lua` that decides each event.
    static let hookFunctions = ["new_message": "on_message", "reaction_added": "on_reaction", "message_read": "on_read"]
    /// The made-up ids: the recipient is never the sender unless `recipient.isSender` says so.
    static let conversationId: Int64 = 1
    static let senderId: Int64 = 1
    static let recipientId: Int64 = 2
    static let messageId: Int64 = 1

    let event: String
    let input: JSON

    init(body: RequestBody, maxContentCharacters: Int) throws {
        guard let event = try body.optionalString("event") else { throw APIError.validation("event is required.") }
        guard Self.events.contains(event) else {
            throw APIError.validation("event must be one of \(Self.events.joined(separator: ", ")).")
        }
        let content = try body.optionalString("content") ?? ""
        guard content.count <= maxContentCharacters else {
            throw APIError(400, "content_too_long", "content may have at most \(maxContentCharacters) characters.")
        }
        let mediaType = try body.optionalString("mediaType")
        if let mediaType, mediaType != "image", mediaType != "video" {
            throw APIError.validation("mediaType must be image or video.")
        }
        let senderName = try body.optionalString("senderName") ?? "Alice"
        guard !senderName.trimmingCharacters(in: .whitespaces).isEmpty, senderName.count <= 100 else {
            throw APIError.validation("senderName must be 1 to 100 characters.")
        }
        let emojiText = try body.optionalString("emoji") ?? "👍"
        guard let emoji = EmojiSet.reaction(emojiText) else { throw APIError.validation(EmojiSet.refusal(for: emojiText)) }
        let conversation = try Self.conversation(try NestedFields(body, "conversation"))
        let recipient = try Self.recipient(try NestedFields(body, "recipient"))

        self.event = event
        let actorId = recipient.isSender ? Self.recipientId : Self.senderId
        let actor: JSON = ["id": .int(actorId), "username": "sender", "displayName": .string(senderName), "avatar": .null]
        var fields: [(String, JSON)] = [("event", .string(event))]
        switch event {
        case "new_message":
            fields += [("message", Self.message(senderId: actorId, sender: actor, content: content, mediaType: mediaType)),
                       ("sender", actor)]
        case "reaction_added":
            // The reacted-to message is the recipient's own (the case the shipped script announces).
            let author: JSON = ["id": .int(Self.recipientId), "username": "recipient", "displayName": "You", "avatar": .null]
            fields += [("message", Self.message(senderId: Self.recipientId, sender: author, content: content, mediaType: mediaType)),
                       ("sender", actor),
                       ("reaction", ["emoji": .string(emoji), "userId": .int(actorId), "count": 1])]
        default:
            let read: JSON = ["userId": .int(actorId), "upToMessageId": .int(Self.messageId), "readAt": "2026-01-01T12:00:00+00:00"]
            fields += [("message", read), ("sender", actor), ("reader", actor), ("upToMessageId", .int(Self.messageId))]
        }
        fields += [("conversation", conversation.json),
                   ("recipient", recipient.json)]
        input = .object(fields)
    }

    private static func message(senderId: Int64, sender: JSON, content: String, mediaType: String?) -> JSON {
        [
            "id": .int(messageId), "conversationId": .int(conversationId), "senderId": .int(senderId), "sender": sender,
            "content": .string(content),
            "mediaUrl": JSON(mediaType.map { "https://example.com/preview." + ($0 == "image" ? "jpg" : "mp4") }),
            "mediaType": JSON(mediaType), "clientMessageId": .null, "replyToId": .null, "replyTo": .null,
            "createdAt": "2026-01-01T12:00:00+00:00", "editedAt": .null, "deletedAt": .null, "deleted": false, "reactions": [],
        ]
    }

    struct Conversation {
        var json: JSON
    }

    private static func conversation(_ fields: NestedFields?) throws -> Conversation {
        let type = try fields?.optionalString("type") ?? "direct"
        guard type == "direct" || type == "group" else { throw APIError.validation("conversation.type must be direct or group.") }
        let name = try fields?.optionalString("name")
        if type == "group", (name ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw APIError.validation("conversation.name is required for a group.")
        }
        return Conversation(json: [
            "id": .int(conversationId), "type": .string(type),
            "name": type == "group" ? JSON(name) : .null,
            "participantCount": type == "group" ? 3 : 2,
        ])
    }

    struct Recipient {
        var isSender: Bool
        var json: JSON
    }

    private static func recipient(_ fields: NestedFields?) throws -> Recipient {
        let focused = try fields?.optionalBool("focused") ?? false
        let muted = try fields?.optionalBool("muted") ?? false
        let senderBlocked = try fields?.optionalBool("senderBlocked") ?? false
        let isSender = try fields?.optionalBool("isSender") ?? false
        let unreadTotal = try fields?.optionalCount("unreadTotal") ?? 0
        let unreadInConversation = try fields?.optionalCount("unreadInConversation") ?? 0
        guard unreadInConversation <= unreadTotal else {
            throw APIError.validation("recipient.unreadInConversation cannot exceed recipient.unreadTotal.")
        }
        return Recipient(isSender: isSender, json: [
            "id": .int(recipientId),
            "focusedConversationId": focused ? .int(conversationId) : .null,
            "unreadTotal": .int(unreadTotal),
            "unreadInConversation": .int(unreadInConversation),
            "muted": .bool(muted),
            "senderBlocked": .bool(senderBlocked),
        ])
    }
}
