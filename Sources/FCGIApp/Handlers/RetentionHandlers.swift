import MessagingCore

/// `PUT /api/admin/conversations/:conversationId/retention {days}` (role `admin`): a
/// conversation's own retention in days, or null for the deployment's (`retention_days`) alone.
enum RetentionHandlers {
    static func register(_ router: inout Router) {
        router.add("PUT", "/api/admin/conversations/:conversationId/retention", set)
    }

    /// The longest retention a conversation may have: about a hundred years (the column's bound).
    static let maxDays: Int64 = 36_500

    static func set(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireRole(Roles.admin)
        let roomId = try exchange.pathId("conversationId")
        let body = try exchange.body()
        guard body.fields.contains(where: { $0.0 == "days" }) else { throw APIError.validation("days is required (null clears it).") }
        let days = try body.optionalId("days")
        if let days, days > maxDays { throw APIError.validation("days must be from 1 to \(maxDays), or null.") }
        try RetentionStore(try exchange.db).set(roomId: roomId, adminId: exchange.userId, days: days.map(Int.init))
        return .json(200, ["conversationId": .int(roomId), "retentionDays": JSON(days)])
    }
}
