import Foundation

/// Why a hook call fell back to the built-in default, for metrics. Raw values are the
/// `kind` label of `messaging_hook_errors_total` ("timeout" counts as a timeout instead).
public enum HookFailure: String, Sendable {
    /// The instruction budget ran out (a slow or looping script).
    case timeout
    /// The script raised an error.
    case runtime
    /// The memory cap was hit.
    case memory
    /// The script returned something the contract does not accept.
    case malformed
}

/// A process-wide seam for counting hook failures: engines are per thread and know nothing of
/// metrics, so the executable installs one observer at start-up. Failures are rare, so a lock
/// around the observer costs nothing that matters.
public enum HookFailures {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var observer: (@Sendable (HookFailure) -> Void)?

    public static func observe(_ observer: @escaping @Sendable (HookFailure) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        self.observer = observer
    }

    static func record(_ failure: HookFailure) {
        lock.lock()
        let current = observer
        lock.unlock()
        current?(failure)
    }
}
