import MessagingCore

/// History pages, sending, and read markers of one conversation.
enum MessageHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/messages/:conversationId", history)
        router.add("POST", "/api/messages/:conversationId", send)
        router.add("POST", "/api/messages/:conversationId/read", markRead)
    }

    static func history(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        let limit = try exchange.limit(fallback: 50, max: 100)
        var before: Int64?
        if let text = exchange.request.query["before"], !text.isEmpty {
            guard let id = Int64(text), id > 0 else { throw APIError.badRequest("invalid_cursor", "before must be a message id.") }
            before = id
        }
        let page = try exchange.read { try MessageStore($0).history(roomId: roomId, viewerId: exchange.userId, before: before, limit: limit) }
        return .json(200, [
            "messages": .array(page.messages),
            "nextBefore": JSON(page.nextBefore),
            "hasMore": .bool(page.nextBefore != nil),
        ])
    }

    static func send(_ exchange: Exchange) throws -> HTTPResponse {
        let limit = RateLimitedRoutes.policy(for: .send, userId: exchange.userId, roles: exchange.roles, configuration: exchange.context.configuration)
        let (message, created, daemonsWoken): (JSON, Bool, Bool)
        let result: SendBatcher.Result
        do {
            let roomId = try exchange.pathId("conversationId")
            let draft = try draft(from: exchange.body(), maxCharacters: exchange.context.configuration.maxMessageCharacters)
            result = try exchange.context.sends.send(roomId: roomId, senderId: exchange.userId, draft: draft, limit: limit, connection: try exchange.db)
        } catch {
            // A send that fails stored nothing and took no token (its transaction rolled back, or
            // it never began); it still costs one, as every limited request does, and an empty
            // bucket answers 429 first, as for any other limited route.
            if let limit, !((error as? DatabaseError)?.isConnectionFailure ?? false) {
                let decision = try RateLimitStore(exchange.db).take(userId: exchange.userId, action: .send, policy: limit)
                if !decision.allowed { throw RateLimitedRoutes.refused(decision, action: .send, userId: exchange.userId, context: exchange.context) }
            }
            throw error
        }
        switch result {
        case let .stored(stored, isNew, woken):
            (message, created, daemonsWoken) = (stored, isNew, woken)
        case let .rateLimited(decision):
            throw RateLimitedRoutes.refused(decision, action: .send, userId: exchange.userId, context: exchange.context)
        }
        if created {
            if StageTimeline.isRecording, let id = message.parsedIfRaw?["id"]?.intValue {
                StageTimeline.mark(.accepted, message: id, at: exchange.context.requestAcceptedAt)
                StageTimeline.mark(.committed, message: id)
                if daemonsWoken { StageTimeline.markShared(.notified) }  // delivered at the commit
            }
            if !daemonsWoken { exchange.context.wakeup.poke() }
        }
        return .json(created ? 201 : 200, ["message": message])
    }

    /// Validates a send body: text and/or one http(s) media attachment, an optional idempotency key.
    static func draft(from body: RequestBody, maxCharacters: Int) throws -> MessageStore.Draft {
        let content = try body.optionalString("content") ?? ""
        let mediaURL = try body.optionalString("mediaUrl")
        let mediaType = try body.optionalString("mediaType")
        let clientMessageId = try body.optionalString("clientMessageId")
        let replyToId = try body.optionalId("replyToId")
        if let problem = Validation.contentProblem(content, maxCharacters: maxCharacters) {
            throw APIError(400, Validation.isTooLong(content, maxCharacters: maxCharacters) ? "content_too_long" : "validation_failed", problem + ".")
        }
        switch (mediaURL, mediaType) {
        case (nil, nil):
            if content.trimmed.isEmpty { throw APIError.validation("content must not be empty unless media is attached.") }
        case (.some(let url), .some(let type)):
            guard type == "image" || type == "video" else { throw APIError.validation("mediaType must be \"image\" or \"video\".") }
            if let problem = Validation.mediaURLProblem(url) { throw APIError.validation(problem + ".") }
        case (.some, nil): throw APIError.validation("mediaType is required with mediaUrl.")
        case (nil, .some): throw APIError.validation("mediaUrl is required with mediaType.")
        }
        if let clientMessageId, let problem = Validation.clientMessageIdProblem(clientMessageId) {
            throw APIError.validation(problem + ".")
        }
        return MessageStore.Draft(content: content, mediaURL: mediaURL, mediaType: mediaType, clientMessageId: clientMessageId, replyToId: replyToId)
    }

    static func markRead(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        let upTo = try exchange.body(optional: true).optionalNonNullId("upToMessageId")
        let marker = try ReadMarkerStore(try exchange.db).markRead(roomId: roomId, userId: exchange.userId, upTo: upTo)
        if marker.moved { exchange.context.wakeup.poke() }
        return .json(200, [
            "conversationId": .int(roomId),
            "unreadCount": .int(marker.unreadCount),
            "lastReadMessageId": JSON(marker.lastReadMessageId),
        ])
    }
}
