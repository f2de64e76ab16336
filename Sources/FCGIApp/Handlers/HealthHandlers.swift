import MessagingCore

enum HealthHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/health", authenticated: false, health)
    }

    /// 200 when this worker can query the database, 503 when it cannot.
    static func health(_ exchange: Exchange) throws -> HTTPResponse {
        do {
            try exchange.db.ping()
            return .json(200, ["status": "ok", "database": "up"])
        } catch {
            return HTTPResponse(status: 503, body: ["status": "unavailable", "database": "down"], headers: [("Retry-After", "1")])
        }
    }
}
