import MessagingCore

/// Blocking: `POST` / `DELETE /api/users/:userId/block`, and the caller's list,
/// `GET /api/users/me/blocks?limit=&cursor=`. Nobody is told they were blocked.
enum BlockHandlers {
    static func register(_ router: inout Router) {
        router.add("POST", "/api/users/:userId/block", block)
        router.add("DELETE", "/api/users/:userId/block", unblock)
        router.add("GET", "/api/users/me/blocks", list)
    }

    /// 201 when newly blocked, 200 when they already were.
    static func block(_ exchange: Exchange) throws -> HTTPResponse {
        let userId = try exchange.pathId("userId")
        let created = try BlockStore(try exchange.db).set(blocker: exchange.userId, blocked: userId, block: true)
        return .json(created ? 201 : 200, ["userId": .int(userId), "blocked": true])
    }

    static func unblock(_ exchange: Exchange) throws -> HTTPResponse {
        let userId = try exchange.pathId("userId")
        guard try BlockStore(try exchange.db).set(blocker: exchange.userId, blocked: userId, block: false) else {
            throw APIError(404, "not_blocked", "You have not blocked this user.")
        }
        return .noContent
    }

    static func list(_ exchange: Exchange) throws -> HTTPResponse {
        let limit = try exchange.limit(fallback: 50, max: 100)
        let page = try BlockStore(try exchange.db).list(blocker: exchange.userId, afterUserId: try exchange.queryId("cursor"), limit: limit)
        return .json(200, ["blocks": .array(page.blocks), "nextCursor": JSON(page.next.map(String.init))])
    }
}
