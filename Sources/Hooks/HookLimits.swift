/// What one hook call may use. A call past any limit is stopped and the built-in default is used.
public struct HookLimits: Sendable {
    /// Fuel per call: one unit per Lua VM instruction, and units for the C work of library
    /// functions (pattern steps, table elements, bytes scanned or allocated; see CLuaSandbox).
    public var instructionBudget: Int
    /// Bytes the whole Lua state may hold while a script runs (loaded scripts included).
    public var memoryBytes: Int
    /// Scripts' modification times are checked at most this often (seconds), on the next call.
    public var reloadCheckInterval: Double
    /// Wall-clock limit per call, a backstop for work the fuel does not price exactly.
    public var timeLimit: Duration
    /// A function stopped by a limit this many times in a row is not called for `suspension`
    /// (its decisions come from the built-in defaults), so a script that overruns on every call
    /// costs a group of 1,000 recipients three overruns, not a thousand.
    public var overrunsBeforeSuspension: Int
    public var suspension: Duration
    /// Lua's long-running library functions replaced by budgeted ones. Off only to measure what
    /// the replacements cost (`messaging-admin hooks bench --unbounded`), never in a server.
    public var budgetedLibraries = true

    public init(instructionBudget: Int, memoryBytes: Int, reloadCheckInterval: Double,
                timeLimit: Duration = .milliseconds(20), overrunsBeforeSuspension: Int = 3, suspension: Duration = .seconds(10)) {
        self.instructionBudget = instructionBudget
        self.memoryBytes = memoryBytes
        self.reloadCheckInterval = reloadCheckInterval
        self.timeLimit = timeLimit
        self.overrunsBeforeSuspension = overrunsBeforeSuspension
        self.suspension = suspension
    }

    /// A notification hook runs per recipient, so it must be cheap: 200k units is a few
    /// milliseconds, far more than the shipped scripts need (a few hundred).
    public static let `default` = HookLimits(instructionBudget: 200_000, memoryBytes: 16 << 20, reloadCheckInterval: 0.5)

    /// Compiling a script (on load and reload) gets this long; a file that takes longer is refused.
    static let compileTimeLimit: Duration = .seconds(1)
    /// Running a script's top level (on load and reload) gets this long. The instruction budget
    /// is what bounds a load; a call's 20 ms would fail a load on a busy machine (a daemon loads
    /// one state per event loop at start-up, all at once), and that state would keep the
    /// built-in defaults for as long as nobody edited a script.
    public var loadTimeLimit: Duration = .seconds(1)
}
