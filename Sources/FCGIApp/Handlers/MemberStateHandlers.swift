import MessagingCore

/// "Seen by" (every member's read marker) and the caller's own settings (mute).
enum MemberStateHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/messages/:conversationId/read-state", readState)
        router.add("PATCH", "/api/messages/:conversationId/settings", settings)
    }

    static func readState(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        return .json(200, try exchange.read { try MemberStateStore($0).readState(roomId: roomId, actorId: exchange.userId) })
    }

    static func settings(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        guard let muted = try exchange.body().optionalBool("muted") else { throw APIError.validation("muted is required.") }
        try MemberStateStore(try exchange.db).setMuted(roomId: roomId, actorId: exchange.userId, muted: muted)
        return .json(200, ["conversationId": .int(roomId), "muted": .bool(muted)])
    }
}
