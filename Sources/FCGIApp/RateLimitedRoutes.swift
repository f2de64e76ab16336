import Dispatch
import MessagingCore

/// Which kind of request (RateAction) each route counts as. Reads of one's own data (the list,
/// history, profiles) are not limited; searches are, being the dearest reads.
enum RateLimitedRoutes {
    static let actions: [String: RateAction] = [
        "POST /api/messages/:conversationId": .send,
        "POST /api/messages/conversations": .conversation,
        "POST /api/messages/groups": .conversation,
        "POST /api/messages/:messageId/reactions": .react,
        "DELETE /api/messages/:messageId/reactions/:emoji": .react,
        "PATCH /api/messages/:messageId": .edit,
        "DELETE /api/messages/:messageId": .delete,
        "POST /api/messages/:conversationId/read": .read,
        "POST /api/messages/groups/:conversationId/members": .groupAdmin,
        "DELETE /api/messages/groups/:conversationId/members/:userId": .groupAdmin,
        "PATCH /api/messages/groups/:conversationId/members/:userId": .groupAdmin,
        "PATCH /api/messages/groups/:conversationId": .groupAdmin,
        "PUT /api/messages/groups/:conversationId/retention": .groupAdmin,
        "GET /api/messages/search": .search,
        "GET /api/users": .search,
    ]

    /// Takes a token for `caller` if the route is limited; a refusal is a 429 with `Retry-After`
    /// and the IETF RateLimit / RateLimit-Policy headers, before the handler stores anything.
    static func check(route: String, caller: Caller, context: WorkerContext) throws {
        let configuration = context.configuration
        guard let action = actions[route], let policy = configuration.rateLimits[action] else { return }
        if configuration.rateLimitExemptStaff,
           StaffPolicy(staffUserIds: configuration.staffUserIds).isStaff(userId: caller.userId, roles: caller.roles) {
            return
        }
        let now = DispatchTime.now().uptimeNanoseconds
        if let remembered = context.rateRefusals.refusal(userId: caller.userId, action: action, now: now) {
            throw refusal(action, retryAfterMilliseconds: remembered.retryAfterMilliseconds, policy: remembered.policy)
        }
        let decision = try RateLimitStore(context.database()).take(userId: caller.userId, action: action, policy: policy)
        guard !decision.allowed else { return }
        context.rateRefusals.remember(userId: caller.userId, action: action, retryAfterMilliseconds: decision.retryAfterMilliseconds,
                                      policy: decision.policy, now: now)
        throw refusal(action, retryAfterMilliseconds: decision.retryAfterMilliseconds, policy: decision.policy)
    }

    private static func refusal(_ action: RateAction, retryAfterMilliseconds: Int64, policy: RatePolicy) -> APIError {
        let seconds = max(1, (retryAfterMilliseconds + 999) / 1000)
        let window = max(1, Int((Double(policy.burst) / policy.perSecond).rounded(.up)))
        return APIError(429, "rate_limited", "Too many requests of this kind; try again in \(seconds) s.", headers: [
            ("Retry-After", String(seconds)),
            ("RateLimit-Policy", "\"\(action.rawValue)\";q=\(policy.burst);w=\(window)"),
            ("RateLimit", "\"\(action.rawValue)\";r=0;t=\(seconds)"),
        ])
    }

}
