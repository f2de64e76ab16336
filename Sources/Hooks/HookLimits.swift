/// What one hook call may use. A call past either limit is stopped and the built-in default is used.
public struct HookLimits: Sendable {
    /// Lua VM instructions per call (the count hook fires once they are spent).
    public var instructionBudget: Int
    /// Bytes the whole Lua state may hold while a script runs (loaded scripts included).
    public var memoryBytes: Int
    /// Scripts' modification times are checked at most this often (seconds), on the next call.
    public var reloadCheckInterval: Double

    public init(instructionBudget: Int, memoryBytes: Int, reloadCheckInterval: Double) {
        self.instructionBudget = instructionBudget
        self.memoryBytes = memoryBytes
        self.reloadCheckInterval = reloadCheckInterval
    }

    /// A notification hook runs per recipient, so it must be cheap: 200k instructions is a few
    /// milliseconds, far more than the shipped scripts need (a few hundred).
    public static let `default` = HookLimits(instructionBudget: 200_000, memoryBytes: 16 << 20, reloadCheckInterval: 0.5)
}
