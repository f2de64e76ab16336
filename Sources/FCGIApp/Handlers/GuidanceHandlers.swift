import MessagingCore

/// H2AC guidance from the Lua scripts in `hooks_dir`, and the scripts' load status.
enum GuidanceHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/h2ac/guidance/:flow", guidance)
        router.add("GET", "/api/h2ac/status", status)
    }

    /// `?participantId=N` on the direct flow tells the script whether that conversation exists.
    static func guidance(_ exchange: Exchange) throws -> HTTPResponse {
        let flow = exchange.pathText("flow")
        var context: JSON = ["userId": .int(exchange.userId)]
        if let text = exchange.request.query["participantId"] {  // present but empty is a 400 too
            guard let participantId = Int64(text), participantId > 0 else {
                throw APIError.badRequest("invalid_id", "participantId must be a positive integer.")
            }
            let exists = try exchange.read { try ConversationStore($0).directExists(between: exchange.userId, and: participantId) }
            context = context.setting("participantId", .int(participantId)).setting("conversationExists", .bool(exists))
        }
        guard let decision = exchange.context.hooks.guidance(flow: flow, context: context) else {
            throw APIError(404, "unknown_flow", "No guidance for that flow; try \"direct\" or \"group\".")
        }
        return .json(200, decision)
    }

    /// Which scripts are loaded (as this thread sees the folder), and the failures of every hook
    /// function over the whole deployment (every worker thread and daemon, from the database).
    /// Healthy: everything compiles and loads, and no hook failed in the last five minutes.
    static func status(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireStaff()
        let local = exchange.context.hooks.status()
        let failures = try HookFailureStore(exchange.db).summary()
        let healthy = local["healthy"] == true && !failures.contains { $0.lastFiveMinutes > 0 }
        return .json(200, local.setting("healthy", .bool(healthy)).setting("failures", .array(failures.map(\.json))))
    }
}
