import MessagingCore

/// Editing and deleting sent messages, and reading a message's earlier versions.
enum MessageEditHandlers {
    static func register(_ router: inout Router) {
        router.add("PATCH", "/api/messages/:messageId", edit)
        router.add("DELETE", "/api/messages/:messageId", delete)
        router.add("GET", "/api/messages/:messageId/history", versions)
    }

    static func edit(_ exchange: Exchange) throws -> HTTPResponse {
        let messageId = try exchange.pathId("messageId")
        let content = try exchange.body().string("content")
        if let problem = Validation.contentProblem(content, maxCharacters: exchange.context.configuration.maxMessageCharacters) {
            throw APIError(400, Validation.isTooLong(content, maxCharacters: exchange.context.configuration.maxMessageCharacters) ? "content_too_long" : "validation_failed", problem + ".")
        }
        let message = try MessageEditStore(try exchange.db).edit(messageId: messageId, actorId: exchange.userId, content: content.trimmed.isEmpty ? "" : content)
        exchange.context.wakeup.poke()
        return .json(200, ["message": message])
    }

    static func delete(_ exchange: Exchange) throws -> HTTPResponse {
        let messageId = try exchange.pathId("messageId")
        let message = try MessageEditStore(try exchange.db).delete(messageId: messageId, actorId: exchange.userId)
        exchange.context.wakeup.poke()
        return .json(200, ["message": message])
    }

    static func versions(_ exchange: Exchange) throws -> HTTPResponse {
        let messageId = try exchange.pathId("messageId")
        return .json(200, try MessageEditStore(try exchange.db).versions(messageId: messageId, actorId: exchange.userId))
    }
}
