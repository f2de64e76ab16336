/// Suspends a hook function that keeps running past its limits: after
/// `HookLimits.overrunsBeforeSuspension` overruns in a row it is skipped (the built-in default
/// decides) until `HookLimits.suspension` has passed, then tried again; one more overrun
/// suspends it again at once. A new version of the script clears everything.
struct OverrunBreaker {
    private struct State {
        var overrunsInARow = 0
        var suspendedUntil: ContinuousClock.Instant?
    }

    let limits: HookLimits
    private var states: [String: State] = [:]

    init(limits: HookLimits) { self.limits = limits }

    /// Whether `function` may be called now.
    func allows(_ function: String, now: ContinuousClock.Instant = .now) -> Bool {
        guard let until = states[function]?.suspendedUntil else { return true }
        return now >= until
    }

    /// Records a call's outcome; returns true when this overrun suspends the function.
    mutating func record(_ function: String, overran: Bool, now: ContinuousClock.Instant = .now) -> Bool {
        guard overran else {
            if states[function] != nil { states[function] = nil }
            return false
        }
        var state = states[function] ?? State()
        state.overrunsInARow += 1
        let suspends = state.overrunsInARow >= limits.overrunsBeforeSuspension
        if suspends { state.suspendedUntil = now + limits.suspension }
        states[function] = state
        return suspends
    }

    /// Functions suspended now, for the status.
    func suspended(now: ContinuousClock.Instant = .now) -> [String] {
        states.filter { ($0.value.suspendedUntil.map { now < $0 }) ?? false }.map(\.key).sorted()
    }

    mutating func reset() { states = [:] }
}
