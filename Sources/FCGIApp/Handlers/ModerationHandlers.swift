import MessagingCore

/// The moderators' console (role `moderator`): the open reports, dismissing one, removing a
/// message, suspending its sender or lifting a suspension. Each action is recorded in the audit log.
enum ModerationHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/moderation/reports", reports)
        router.add("POST", "/api/moderation/reports/:reportId/dismiss", dismiss)
        router.add("POST", "/api/moderation/messages/:messageId/remove", remove)
        router.add("POST", "/api/moderation/users/:userId/suspend", suspend)
        router.add("DELETE", "/api/moderation/users/:userId/suspend", lift)
    }

    /// Longest suspension a moderator may give: a year (longer is a deactivation, by the platform).
    static let maxSuspensionSeconds: Int64 = 366 * 24 * 3600

    static func reports(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireRole(Roles.moderator)
        let limit = try exchange.limit(fallback: 20, max: 100)
        let page = try ModerationStore(try exchange.db).openReports(afterId: try exchange.queryId("cursor"), limit: limit)
        return .json(200, ["reports": .array(page.reports), "nextCursor": JSON(page.next.map(String.init))])
    }

    static func dismiss(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireRole(Roles.moderator)
        let reportId = try exchange.pathId("reportId")
        let note = try exchange.body(optional: true).optionalNote()
        return .json(200, ["report": try ModerationStore(try exchange.db).dismiss(reportId: reportId, moderatorId: exchange.userId, note: note)])
    }

    /// The message becomes a tombstone saying it was removed by moderation, for every member.
    static func remove(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireRole(Roles.moderator)
        let messageId = try exchange.pathId("messageId")
        let body = try exchange.body(optional: true)
        let reportId = try body.optionalNonNullId("reportId")
        let note = try body.optionalNote()
        let message = try ModerationStore(try exchange.db).remove(messageId: messageId, moderatorId: exchange.userId, reportId: reportId, note: note)
        exchange.context.wakeup.poke()
        return .json(200, ["message": message])
    }

    /// `{durationSeconds, reportId?, note?}`: every token of the user is refused (401
    /// `account_suspended`) and their sessions close (4004) until the time has passed.
    static func suspend(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireRole(Roles.moderator)
        let userId = try exchange.pathId("userId")
        let body = try exchange.body()
        let seconds = try body.id("durationSeconds")
        guard seconds <= maxSuspensionSeconds else {
            throw APIError.validation("durationSeconds must be from 1 to \(maxSuspensionSeconds) (a year).")
        }
        let reportId = try body.optionalNonNullId("reportId")
        let note = try body.optionalNote()
        let until = try ModerationStore(try exchange.db).suspend(userId: userId, moderatorId: exchange.userId, seconds: seconds, reportId: reportId, note: note)
        exchange.context.wakeup.poke()
        return .json(200, ["userId": .int(userId), "suspendedUntil": until])
    }

    /// Lifts a suspension before its end.
    static func lift(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireRole(Roles.moderator)
        let userId = try exchange.pathId("userId")
        _ = try ModerationStore(try exchange.db).suspend(userId: userId, moderatorId: exchange.userId, seconds: nil, reportId: nil, note: nil)
        return .noContent
    }
}
