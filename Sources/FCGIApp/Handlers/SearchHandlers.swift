import MessagingCore

/// Search across the caller's conversations.
enum SearchHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/messages/search", search)
    }

    static func search(_ exchange: Exchange) throws -> HTTPResponse {
        let query = (exchange.request.query["q"] ?? "").trimmed
        guard (1...200).contains(query.count) else { throw APIError.validation("q must be 1 to 200 characters.") }
        guard !query.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r") || $0.value == 0x7F }) else { throw APIError.validation("q must not contain control characters.") }
        let limit = try exchange.limit(fallback: 20, max: 50)
        var conversationId: Int64?
        if let text = exchange.request.query["conversationId"], !text.isEmpty {  // empty: every conversation, as documented
            guard let id = Int64(text), id > 0 else { throw APIError.badRequest("invalid_id", "conversationId must be a positive integer.") }
            conversationId = id
        }
        var cursor: SearchCursor?
        if let text = exchange.request.query["cursor"], !text.isEmpty {
            guard let parsed = SearchCursor(encoded: text) else { throw APIError.badRequest("invalid_cursor", "cursor is not a cursor this server issued.") }
            cursor = parsed
        }
        let hits = try exchange.read { db in
            if let conversationId {
                // 404 / 403 for a conversation that is missing or not the caller's, like every other route.
                try ConversationStore(db).requireMember(roomId: conversationId, userId: exchange.userId)
            }
            return try SearchStore(db).search(userId: exchange.userId, query: query, conversationId: conversationId, after: cursor, limit: limit + 1)
        }
        let page = hits.prefix(limit)
        let results: [JSON] = page.map { hit in
            ["message": hit.message, "conversation": hit.conversation, "rank": .int(Int64(hit.rank)),
             "snippet": .string(SearchSnippet.make(content: hit.content, query: query))]
        }
        let next = hits.count > limit ? page.last.map { SearchCursor(rank: $0.rank, messageId: $0.messageId).encoded } : nil
        return .json(200, ["results": .array(results), "nextCursor": JSON(next)])
    }
}
