import Postgres

/// What moderators see and do (migration 0030): the open reports, dismissing one, removing a
/// message, suspending a user or lifting a suspension. Every action writes its audit record in
/// the same transaction (see AuditStore).
public struct ModerationStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public struct Page {
        /// Each report with its message, conversation and context (`chat_report_json`), oldest first.
        public let reports: [JSON]
        /// The last report's id, for the next page; nil on the last page.
        public let next: Int64?
    }

    public func openReports(afterId: Int64?, limit: Int) throws(PostgresError) -> Page {
        let result = try db.query("""
            SELECT r.id, chat_report_json(r)
            FROM message_reports r
            WHERE r.status = 'open' AND r.id > coalesce($1::bigint, 0)
            ORDER BY r.id
            LIMIT $2
            """, [afterId, limit + 1])
        let count = min(result.rowCount, limit)
        return Page(reports: (0..<count).map { JSON.raw(result.string($0, 1)!) },
                    next: result.rowCount > limit && count > 0 ? result.int(count - 1, 0) : nil)
    }

    /// The dismissed report. Throws CHRP4 (no such report), CHRPC (already resolved).
    public func dismiss(reportId: Int64, moderatorId: Int64, note: String?) throws(PostgresError) -> JSON {
        .raw(try db.query("SELECT chat_moderate_dismiss($1, $2, $3)", [reportId, moderatorId, note]).string(0, 0)!)
    }

    /// The message's tombstone. Throws CHM04, CHRP4 (the report is not of this message), CHRMV (removed already).
    public func remove(messageId: Int64, moderatorId: Int64, reportId: Int64?, note: String?) throws(PostgresError) -> JSON {
        .raw(try db.query("SELECT chat_moderate_remove($1, $2, $3, $4)", [messageId, moderatorId, reportId, note]).string(0, 0)!)
    }

    /// Suspends `userId` for `seconds`, or lifts the suspension (nil); the suspension's end as
    /// JSON text (null when lifted). Throws CHU04, CHMOD (a moderator or admin), CHNSP (lifting
    /// what is not suspended), CHRP4 (the report is not of this user's message).
    public func suspend(userId: Int64, moderatorId: Int64, seconds: Int64?, reportId: Int64?, note: String?) throws(PostgresError) -> JSON {
        .raw(try db.query("SELECT coalesce(to_json(chat_moderate_suspend($1, $2, $3, $4, $5))::text, 'null')",
                          [userId, moderatorId, seconds, reportId, note]).string(0, 0)!)
    }
}
