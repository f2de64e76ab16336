import MessagingCore

/// Finding people: `GET /api/users?q=&limit=&cursor=`, and a profile: `GET /api/users/:id`, `GET /api/users/me`.
enum DirectoryHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/users", search)
        router.add("GET", "/api/users/me", me)
        router.add("GET", "/api/users/:userId", profile)
    }

    static func search(_ exchange: Exchange) throws -> HTTPResponse {
        let query = (exchange.request.query["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { throw APIError.badRequest("invalid_query", "q must name what to look for.") }
        guard query.count <= DirectoryStore.maxQueryCharacters else {
            throw APIError.badRequest("invalid_query", "q must be at most \(DirectoryStore.maxQueryCharacters) characters.")
        }
        let limit = try exchange.limit(fallback: 20, max: 50)
        var after: DirectoryCursor?
        if let text = exchange.request.query["cursor"] {
            guard let cursor = DirectoryCursor(encoded: text) else { throw APIError.badRequest("invalid_cursor", "cursor is not one this server returned.") }
            after = cursor
        }
        let page = try DirectoryStore(try exchange.db).search(viewer: exchange.userId, query: query, limit: limit, after: after)
        return .json(200, ["users": .array(page.users), "nextCursor": JSON(page.next?.encoded)])
    }

    static func me(_ exchange: Exchange) throws -> HTTPResponse {
        try render(exchange, userId: exchange.userId)
    }

    static func profile(_ exchange: Exchange) throws -> HTTPResponse {
        try render(exchange, userId: try exchange.pathId("userId"))
    }

    private static func render(_ exchange: Exchange, userId: Int64) throws -> HTTPResponse {
        guard let user = try DirectoryStore(try exchange.db).profile(viewer: exchange.userId, userId: userId, viewerRoles: exchange.roles) else {
            throw APIError(404, "not_found", "No such user.")
        }
        return .json(200, ["user": user])
    }
}
