import MessagingCore

/// `GET /api/admin/audit?limit=&before=`: the moderation audit log, newest first (role `admin`).
enum AuditHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/admin/audit", list)
    }

    static func list(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireRole(Roles.admin)
        let limit = try exchange.limit(fallback: 50, max: 200)
        let page = try AuditStore(try exchange.db).list(before: try exchange.queryId("before"), limit: limit)
        return .json(200, ["entries": .array(page.entries), "nextBefore": JSON(page.nextBefore)])
    }
}
