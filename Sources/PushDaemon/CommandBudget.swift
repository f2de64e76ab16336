/// How many commands one connection may send: a token bucket of `perSecond` with room for
/// `burst`. Every command the listener thread would handle (typing, focus) passes through the
/// one command queue all connections share, and every answered one (ping, errors) costs a write:
/// without a bound, one connection could fill the queue and refuse everyone's new connections.
/// A pure value, fed the time by the session.
struct CommandBudget {
    let perSecond: Double
    let burst: Double
    private var tokens: Double
    private var updatedAt: UInt64?

    init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = Double(burst)
        tokens = Double(burst)
    }

    /// Takes one command's token at `now` (monotonic nanoseconds); false when none is left.
    mutating func take(now: UInt64) -> Bool {
        if let updatedAt, now > updatedAt {
            tokens = min(burst, tokens + Double(now - updatedAt) / 1e9 * perSecond)
        }
        updatedAt = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
