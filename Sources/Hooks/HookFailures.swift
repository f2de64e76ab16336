import Foundation

/// Why a hook call fell back to the built-in default, for metrics and the status. Raw values are
/// the `kind` label of `messaging_hook_errors_total`.
public enum HookFailure: String, Sendable, CaseIterable {
    /// The budget or the time limit ran out (a slow or looping script, or a costly library call).
    case timeout
    /// The script raised an error.
    case runtime
    /// The memory cap was hit.
    case memory
    /// The script returned something the contract does not accept.
    case malformed
    /// Not called: the function overran too often in a row and is suspended for a while.
    case suspended

    /// Whether the script ran past a limit (what suspends a function).
    var isOverrun: Bool { self == .timeout || self == .memory }
}

/// One failed (or skipped) hook call: which script and function, and the error with every string
/// that came from the hook's input redacted (nil for a skipped call).
public struct HookFailureEvent: Sendable, Equatable {
    public let kind: HookFailure
    /// "notifications.lua"
    public let script: String
    /// "on_message"
    public let function: String
    /// "lua/notifications.lua:4: time limit exceeded"
    public let message: String?

    /// "notifications.on_message": how metrics label the function.
    public var qualifiedFunction: String { String(script.dropLast(".lua".count)) + "." + function }

    public init(kind: HookFailure, script: String, function: String, message: String?) {
        self.kind = kind
        self.script = script
        self.function = function
        self.message = message
    }
}

/// A process-wide seam for hook failures: engines are per thread and know nothing of metrics or
/// the database, so the executable installs one observer at start-up. Failures are rare, so a
/// lock around the observer costs nothing that matters.
public enum HookFailures {
    private static let lock = NSLock()
    // Guarded by `lock`; the compiler cannot see that.
    nonisolated(unsafe) private static var observer: (@Sendable (HookFailureEvent) -> Void)?

    public static func observe(_ observer: @escaping @Sendable (HookFailureEvent) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        self.observer = observer
    }

    static func record(_ event: HookFailureEvent) {
        lock.lock()
        let current = observer
        lock.unlock()
        current?(event)
    }
}
