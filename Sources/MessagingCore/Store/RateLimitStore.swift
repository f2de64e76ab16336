import Postgres

/// The token buckets of RateLimits, and one user's overrides.
public struct RateLimitStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Takes one token from the user's bucket for `action` (refilled for the time since the last
    /// request), under `policy` unless the user has an override. Its own short transaction: a
    /// refused request stores nothing, and the bucket row's lock is held for microseconds.
    public func take(userId: Int64, action: RateAction, policy: RatePolicy) throws(PostgresError) -> RateDecision {
        let result = try db.query(
            "SELECT allowed, remaining, retry_after_ms, burst, per_second FROM chat_rate_take($1, $2, $3, $4)",
            [userId, action.rawValue, policy.perSecond, policy.burst])
        return RateDecision(
            allowed: try result.requiredBool(0, 0), remaining: try result.required(0, 1), retryAfterMilliseconds: try result.required(0, 2),
            policy: RatePolicy(perSecond: try result.required(0, 4), burst: try result.required(0, 3)))
    }

    /// Sets (or with nil, removes) one user's own policy for `action`; its bucket starts full.
    public func setOverride(userId: Int64, action: RateAction, policy: RatePolicy?) throws(PostgresError) {
        if let policy {
            _ = try db.query("""
                INSERT INTO rate_limit_overrides (user_id, action, per_second, burst) VALUES ($1, $2, $3, $4)
                ON CONFLICT (user_id, action) DO UPDATE SET per_second = excluded.per_second, burst = excluded.burst
                """, [userId, action.rawValue, policy.perSecond, policy.burst])
        } else {
            _ = try db.query("DELETE FROM rate_limit_overrides WHERE user_id = $1 AND action = $2", [userId, action.rawValue])
        }
        _ = try db.query("DELETE FROM rate_limit_buckets WHERE user_id = $1 AND action = $2", [userId, action.rawValue])
    }
}
