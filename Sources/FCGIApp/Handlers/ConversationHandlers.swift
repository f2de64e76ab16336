import MessagingCore

/// The caller's conversation list, direct chats and group creation.
enum ConversationHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/messages/conversations", list)
        router.add("POST", "/api/messages/conversations", openDirect)
        router.add("POST", "/api/messages/groups", createGroup)
    }


    static func list(_ exchange: Exchange) throws -> HTTPResponse {
        let limit = try exchange.limit(fallback: 50, max: 100)
        var cursor: ConversationCursor?
        if let text = exchange.request.query["cursor"], !text.isEmpty {
            guard let parsed = ConversationCursor(encoded: text) else {
                throw APIError.badRequest("invalid_cursor", "cursor is not a cursor this server issued.")
            }
            cursor = parsed
        }
        let page = try exchange.read { try ConversationStore($0).list(userId: exchange.userId, cursor: cursor, limit: limit) }
        return .json(200, ["conversations": .array(page.conversations), "nextCursor": JSON(page.nextCursor)])
    }

    /// 201 with a new direct conversation, 200 with the one that already exists for the pair.
    static func openDirect(_ exchange: Exchange) throws -> HTTPResponse {
        let participantId = try exchange.body().id("participantId")
        let store = ConversationStore(try exchange.db)
        let (roomId, created) = try store.openDirect(userId: exchange.userId, otherUserId: participantId)
        if created { exchange.context.wakeup.poke() }
        let conversation = try store.json(roomId: roomId, viewerId: exchange.userId)
        let nextSteps = exchange.context.hooks.nextSteps(kind: "direct", created: created, conversation: conversation)
        return .json(created ? 201 : 200, ["conversation": conversation, "created": .bool(created), "nextSteps": nextSteps])
    }

    static func createGroup(_ exchange: Exchange) throws -> HTTPResponse {
        let body = try exchange.body()
        let name = try body.optionalString("name")?.trimmed
        let participantIds = try body.ids("participantIds", maxCount: GroupLimits.members - 1)
        let avatar = try body.optionalString("avatar")
        let firstMessage = try body.optionalString("firstMessage")
        // Missing required information is answered in the H2AC script's words.
        let hookInput: JSON = [
            "name": JSON(name), "avatar": JSON(avatar), "firstMessage": JSON(firstMessage),
            "participantIds": participantIds.map { .array($0.map { .int($0) }) } ?? .null,
            "limits": GroupLimits.hookInput,
        ]
        if let problem = exchange.context.hooks.validateGroupCreation(hookInput) {
            throw APIError(400, "validation_failed", problem["message"]?.stringValue ?? "The group is missing required information.")
        }
        guard let name, !name.isEmpty else { throw APIError.validation("name is required.") }
        if let problem = Validation.groupNameProblem(name) { throw APIError.validation(problem + ".") }
        guard let participantIds, participantIds.contains(where: { $0 != exchange.userId }) else {
            throw APIError.validation("participantIds must name at least one other user.")
        }
        if let avatar, let problem = Validation.mediaURLProblem(avatar) {
            throw APIError.validation(problem.replacingOccurrences(of: "mediaUrl", with: "avatar") + ".")
        }
        let maxCharacters = exchange.context.configuration.maxMessageCharacters
        if let firstMessage, let problem = Validation.contentProblem(firstMessage, maxCharacters: maxCharacters) {
            throw APIError(400, Validation.isTooLong(firstMessage, maxCharacters: maxCharacters) ? "content_too_long" : "validation_failed",
                           "firstMessage: " + problem + ".")
        }
        let db = try exchange.db
        let store = ConversationStore(db)
        // The group and its optional first message are created together or not at all.
        let roomId = try db.transaction {
            let roomId = try store.createGroup(creatorId: exchange.userId, name: name, avatar: avatar, participantIds: participantIds)
            if let firstMessage, !firstMessage.trimmed.isEmpty {
                _ = try MessageStore(db).send(roomId: roomId, senderId: exchange.userId, draft: MessageStore.Draft(content: firstMessage))
            }
            return roomId
        }
        exchange.context.wakeup.poke()
        let conversation = try store.json(roomId: roomId, viewerId: exchange.userId)
        let nextSteps = exchange.context.hooks.nextSteps(kind: "group", created: true, conversation: conversation)
        return .json(201, ["conversation": conversation, "created": true, "nextSteps": nextSteps])
    }
}
