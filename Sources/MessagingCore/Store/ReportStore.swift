import Postgres

/// Members' reports of messages (`chat_report_message`, migration 0030).
public struct ReportStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Files the report; `created` is false when the reporter had already reported the message
    /// (an open report then takes the new reason and note). Throws CHM04/CH403 (not visible),
    /// CHRSF (own message), CHDEL (deleted).
    public func report(messageId: Int64, reporterId: Int64, reason: ReportReason, note: String?) throws(PostgresError) -> (report: JSON, created: Bool) {
        let result = try db.query("SELECT report, created FROM chat_report_message($1, $2, $3, $4)",
                                  [messageId, reporterId, reason.rawValue, note])
        return (.raw(result.string(0, 0)!), result.bool(0, 1)!)
    }
}
