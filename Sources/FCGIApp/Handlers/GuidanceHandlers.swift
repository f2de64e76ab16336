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
        if let text = exchange.request.query["participantId"], !text.isEmpty {
            guard let participantId = Int64(text), participantId > 0 else {
                throw APIError.badRequest("invalid_id", "participantId must be a positive integer.")
            }
            let exists = try exchange.db.query(
                "SELECT 1 FROM chat_rooms WHERE direct_user_low = least($1::bigint, $2::bigint) AND direct_user_high = greatest($1::bigint, $2::bigint)",
                [exchange.userId, participantId]).rowCount == 1
            context = context.setting("participantId", .int(participantId)).setting("conversationExists", .bool(exists))
        }
        guard let decision = exchange.context.hooks.guidance(flow: flow, context: context) else {
            throw APIError(404, "unknown_flow", "No guidance for that flow; try \"direct\" or \"group\".")
        }
        return .json(200, decision)
    }

    /// Which scripts are loaded, and the last compile or runtime error of each (file:line: message).
    static func status(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireStaff()
        return .json(200, exchange.context.hooks.status())
    }
}
