import Postgres

/// The moderation audit log (`moderation_audit`, migration 0030): written only by the moderation
/// functions, in their transactions; a trigger refuses UPDATE, DELETE and TRUNCATE.
public struct AuditStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public struct Page {
        /// Newest first: `{id, at, action, actor, targetUserId, messageId, reportId, details}`.
        public let entries: [JSON]
        /// Pass as `before` for the next (older) page; nil on the last page.
        public let nextBefore: Int64?
    }

    public func list(before: Int64?, limit: Int) throws(PostgresError) -> Page {
        let result = try db.query("""
            SELECT a.id, json_build_object('id', a.id, 'at', a.at, 'action', a.action,
                                           'actor', (SELECT chat_user_json(u) FROM users u WHERE u.id = a.actor_id),
                                           'targetUserId', a.target_user_id, 'messageId', a.message_id, 'reportId', a.report_id,
                                           'details', a.details)::text
            FROM moderation_audit a
            WHERE $1::bigint IS NULL OR a.id < $1
            ORDER BY a.id DESC
            LIMIT $2
            """, [before, limit + 1])
        let count = min(result.rowCount, limit)
        return Page(entries: (0..<count).map { JSON.raw(result.string($0, 1)!) },
                    nextBefore: result.rowCount > limit && count > 0 ? result.int(count - 1, 0) : nil)
    }
}
