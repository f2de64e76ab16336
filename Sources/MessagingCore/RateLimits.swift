/// What a user may do how often: a token bucket per user and kind of write (or search), with a
/// rate and a burst. The buckets live in PostgreSQL (`chat_rate_take`), so a user gets the same
/// limit whichever worker process or pool host serves them; `rate_limit_overrides` rows change
/// one user's limits (`messaging-admin rate-limit`).
public enum RateAction: String, CaseIterable, Sendable {
    case send, conversation, react, edit, delete, read
    case groupAdmin = "group_admin"
    case search
}

public struct RatePolicy: Sendable, Equatable {
    /// Tokens added per second.
    public let perSecond: Double
    /// Most tokens a bucket holds: how many requests may come at once after a quiet time.
    public let burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// `5/s:30`, `60/m:10`, `100/h:5` (a count per second, minute or hour, then the burst).
    static func parse(_ text: Substring) -> RatePolicy? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let burst = Int(parts[1]), burst >= 1 else { return nil }
        let rate = parts[0].split(separator: "/")
        guard rate.count == 2, let count = Double(rate[0]), count > 0, count.isFinite else { return nil }
        let seconds: Double
        switch rate[1] {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3600
        default: return nil
        }
        return RatePolicy(perSecond: count / seconds, burst: burst)
    }
}

/// The `rate_limits` setting: `action=count/unit:burst` items, comma-separated. An action not
/// listed is not limited.
public struct RateLimits: Sendable, Equatable {
    public let policies: [RateAction: RatePolicy]

    public init(policies: [RateAction: RatePolicy]) { self.policies = policies }

    public static func parse(_ text: String) -> Result<RateLimits, Configuration.Invalid> {
        var policies: [RateAction: RatePolicy] = [:]
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let action = RateAction(rawValue: pair[0]), let policy = RatePolicy.parse(pair[1][...]) else {
                let actions = RateAction.allCases.map(\.rawValue).joined(separator: ", ")
                return .failure(Configuration.Invalid(key: "rate_limits",
                    problem: "'\(item.trimmingCharacters(in: .whitespaces))' is not action=count/unit:burst (actions: \(actions); unit s, m or h)"))
            }
            policies[action] = policy
        }
        return .success(RateLimits(policies: policies))
    }

    public subscript(action: RateAction) -> RatePolicy? { policies[action] }
}

/// A bucket's answer for one request.
public struct RateDecision: Sendable, Equatable {
    public let allowed: Bool
    /// Whole requests left in the bucket after this one.
    public let remaining: Int
    /// When the next request may succeed (0 when this one did).
    public let retryAfterMilliseconds: Int64
    /// The policy in force for this user (an override, or the configured one).
    public let policy: RatePolicy

    public init(allowed: Bool, remaining: Int, retryAfterMilliseconds: Int64, policy: RatePolicy) {
        self.allowed = allowed
        self.remaining = remaining
        self.retryAfterMilliseconds = retryAfterMilliseconds
        self.policy = policy
    }
}
