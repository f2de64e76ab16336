import MessagingCore

/// `POST /api/messages/:messageId/report {reason, note?}`: any member who can see a message
/// reports it to the moderators.
enum ReportHandlers {
    static func register(_ router: inout Router) {
        router.add("POST", "/api/messages/:messageId/report", report)
    }

    /// 201 with a new report; 200 with the reporter's existing one (updated while still open).
    static func report(_ exchange: Exchange) throws -> HTTPResponse {
        let messageId = try exchange.pathId("messageId")
        let body = try exchange.body()
        let text = try body.string("reason")
        guard let reason = ReportReason(rawValue: text) else {
            throw APIError.validation("reason must be one of: \(ReportReason.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let note = try body.optionalNote()
        let filed = try ReportStore(try exchange.db).report(messageId: messageId, reporterId: exchange.userId, reason: reason, note: note)
        return .json(filed.created ? 201 : 200, ["report": filed.report, "created": .bool(filed.created)])
    }
}
