import MessagingCore

/// Refusals a worker thread remembers: after a 429 for a user and a kind of request, that user's
/// requests of that kind are refused here until their bucket's next token is due, without asking
/// PostgreSQL. The bucket cannot refill sooner, so the answer is the same; but a flood of refused
/// requests no longer costs a query each (the W9 bench: one user's flood slowed everyone else's
/// delivery through PostgreSQL's CPU). Per thread, so no lock; each thread learns on its first 429.
/// At most `longest` at a time: a limit changed meanwhile (`messaging-admin rate-limit clear`)
/// applies within that, not after an hour's wait of a `1/h` bucket.
struct RateLimitRefusals {
    struct Refusal: Equatable {
        /// Monotonic nanoseconds until which this thread answers without asking PostgreSQL.
        let until: UInt64
        /// When the bucket's next token is due (what Retry-After says).
        let retryAt: UInt64
        let policy: RatePolicy
    }

    private struct Key: Hashable {
        let userId: Int64
        let action: RateAction
    }

    static let longestMilliseconds: Int64 = 1_000

    /// Remembered refusals at most; when full, the ones already over are dropped first.
    static let capacity = 4096
    private var refusals: [Key: Refusal] = [:]

    var count: Int { refusals.count }

    /// The remembered refusal of this user's `action` at `now`, with the milliseconds left.
    mutating func refusal(userId: Int64, action: RateAction, now: UInt64) -> (retryAfterMilliseconds: Int64, policy: RatePolicy)? {
        let key = Key(userId: userId, action: action)
        guard let refusal = refusals[key] else { return nil }
        guard now < refusal.until else {
            refusals.removeValue(forKey: key)
            return nil
        }
        return (Int64((refusal.retryAt - now + 999_999) / 1_000_000), refusal.policy)
    }

    mutating func remember(userId: Int64, action: RateAction, retryAfterMilliseconds: Int64, policy: RatePolicy, now: UInt64) {
        guard retryAfterMilliseconds > 0 else { return }
        if refusals.count >= Self.capacity {
            refusals = refusals.filter { $0.value.until > now }
            if refusals.count >= Self.capacity { refusals.removeAll(keepingCapacity: true) }
        }
        let wait = min(retryAfterMilliseconds, Self.longestMilliseconds)
        refusals[Key(userId: userId, action: action)] = Refusal(
            until: now + UInt64(wait) * 1_000_000, retryAt: now + UInt64(retryAfterMilliseconds) * 1_000_000, policy: policy)
    }
}
