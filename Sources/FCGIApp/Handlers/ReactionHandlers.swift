import MessagingCore

/// Emoji reactions on a message.
enum ReactionHandlers {
    static func register(_ router: inout Router) {
        router.add("POST", "/api/messages/:messageId/reactions", add)
        router.add("DELETE", "/api/messages/:messageId/reactions/:emoji", remove)
        router.add("GET", "/api/messages/:messageId/reactions", reactors)
    }

    /// The most reactors listed per emoji; `count` always tells how many there are.
    static let reactorsPerEmoji = 100

    /// Who reacted with what ("who" in a client's reaction tooltip).
    static func reactors(_ exchange: Exchange) throws -> HTTPResponse {
        let messageId = try exchange.pathId("messageId")
        return .json(200, try ReactionStore(try exchange.db).reactors(messageId: messageId, viewerId: exchange.userId, usersPerEmoji: reactorsPerEmoji))
    }

    static func add(_ exchange: Exchange) throws -> HTTPResponse {
        let messageId = try exchange.pathId("messageId")
        let text = try exchange.body().string("emoji")
        guard let emoji = EmojiSet.reaction(text) else { throw APIError.validation(EmojiSet.refusal(for: text)) }
        let (created, reactions) = try ReactionStore(try exchange.db).add(messageId: messageId, userId: exchange.userId, emoji: emoji)
        if created { exchange.context.wakeup.poke() }
        return .json(created ? 201 : 200, [
            "messageId": .int(messageId), "emoji": .string(emoji), "created": .bool(created), "reactions": reactions,
        ])
    }

    static func remove(_ exchange: Exchange) throws -> HTTPResponse {
        let messageId = try exchange.pathId("messageId")
        let text = exchange.pathText("emoji")
        guard let emoji = EmojiSet.reactionOrVariant(text) else { throw APIError.validation(EmojiSet.refusal(for: text)) }
        try ReactionStore(try exchange.db).remove(messageId: messageId, userId: exchange.userId, emoji: emoji)
        exchange.context.wakeup.poke()
        return .noContent
    }
}
