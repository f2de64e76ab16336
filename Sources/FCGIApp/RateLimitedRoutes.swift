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

    /// Actions whose token the handler takes in its own write transaction (a send's, in
    /// SendBatcher: one commit for both); `check` consults only the memo of refusals for them.
    static let takenByTheHandler: Set<RateAction> = [.send]

    /// Takes a token for `caller` if the route is limited; a refusal is a 429 with `Retry-After`
    /// and the IETF RateLimit / RateLimit-Policy headers, before the handler stores anything.
    static func check(route: String, caller: Caller, context: WorkerContext) throws {
        guard let action = actions[route],
              let policy = policy(for: action, userId: caller.userId, roles: caller.roles, configuration: context.configuration)
        else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        if let remembered = context.rateRefusals.refusal(userId: caller.userId, action: action, now: now) {
            throw refusal(action, retryAfterMilliseconds: remembered.retryAfterMilliseconds, policy: remembered.policy)
        }
        guard !takenByTheHandler.contains(action) else { return }
        let decision = try RateLimitStore(context.database()).take(userId: caller.userId, action: action, policy: policy)
        guard !decision.allowed else { return }
        throw refused(decision, action: action, userId: caller.userId, context: context)
    }

    /// The configured policy of `action` for this caller; nil when the action is not limited or
    /// the caller is staff exempt from limits.
    static func policy(for action: RateAction, userId: Int64, roles: Set<String>, configuration: Configuration) -> RatePolicy? {
        guard let policy = configuration.rateLimits[action] else { return nil }
        if configuration.rateLimitExemptStaff,
           StaffPolicy(staffUserIds: configuration.staffUserIds).isStaff(userId: userId, roles: roles) {
            return nil
        }
        return policy
    }

    /// A refused token (taken here or by a handler): remembered for the thread's next requests,
    /// and the 429 to answer.
    static func refused(_ decision: RateDecision, action: RateAction, userId: Int64, context: WorkerContext) -> APIError {
        context.rateRefusals.remember(userId: userId, action: action, retryAfterMilliseconds: decision.retryAfterMilliseconds,
                                      policy: decision.policy, now: DispatchTime.now().uptimeNanoseconds)
        return refusal(action, retryAfterMilliseconds: decision.retryAfterMilliseconds, policy: decision.policy)
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
