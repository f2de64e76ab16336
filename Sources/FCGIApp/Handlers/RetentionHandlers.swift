import MessagingCore

/// A conversation's own retention in days, or null for the deployment's (`retention_days`)
/// alone: `PUT /api/admin/conversations/:conversationId/retention {days}` (platform role
/// `admin`, any conversation) and `PUT /api/messages/groups/:conversationId/retention {days}`
/// (the group's own admins). Both audited; the shorter of it and the deployment's applies.
enum RetentionHandlers {
    static func register(_ router: inout Router) {
        router.add("PUT", "/api/admin/conversations/:conversationId/retention", setAsAdmin)
        router.add("PUT", "/api/messages/groups/:conversationId/retention", setAsGroupAdmin)
    }

    /// The longest retention a conversation may have: about a hundred years (the column's bound).
    static let maxDays: Int64 = 36_500

    static func setAsAdmin(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireRole(Roles.admin)
        let roomId = try exchange.pathId("conversationId")
        let days = try requestedDays(exchange)
        try RetentionStore(try exchange.db).set(roomId: roomId, adminId: exchange.userId, days: days)
        return response(roomId, days)
    }

    static func setAsGroupAdmin(_ exchange: Exchange) throws -> HTTPResponse {
        let roomId = try exchange.pathId("conversationId")
        let days = try requestedDays(exchange)
        try RetentionStore(try exchange.db).setAsGroupAdmin(roomId: roomId, actorId: exchange.userId, days: days)
        return response(roomId, days)
    }

    /// `days`: required, 1 to `maxDays`, or null.
    private static func requestedDays(_ exchange: Exchange) throws -> Int? {
        let body = try exchange.body()
        guard body.fields.contains(where: { $0.0 == "days" }) else { throw APIError.validation("days is required (null clears it).") }
        let days = try body.optionalId("days")
        if let days, days > maxDays { throw APIError.validation("days must be from 1 to \(maxDays), or null.") }
        return days.map(Int.init)
    }

    private static func response(_ roomId: Int64, _ days: Int?) -> HTTPResponse {
        .json(200, ["conversationId": .int(roomId), "retentionDays": JSON(days.map(Int64.init))])
    }
}
