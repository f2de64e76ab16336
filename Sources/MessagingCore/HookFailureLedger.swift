import Foundation
import Logging
import Postgres

/// A process's hook failures on their way to the database: hook engines (one per thread) record
/// here, and a reporting thread adds the counts to `hook_failure_counts` about once a second over
/// a connection of its own, so GET /api/h2ac/status sums every worker thread and every daemon.
/// Failures are rare; a lock around the tallies costs nothing that matters.
public final class HookFailureLedger: @unchecked Sendable {  // state guarded by `lock`
    /// A process whose hooks failed this recently reports `hooks: degraded` (e.g. /ws/health).
    public static let degradedWindow: TimeInterval = 60

    private let reporter: String
    private let settings: PostgresSettings
    private let logger: Logger
    private let lock = NSLock()
    private var pending: [String: HookFailureTally] = [:]
    private var lastFailureAt: Date?

    /// `process` names the executable ("fcgi-app", "push-daemon"); host and pid are added.
    public init(process: String, settings: PostgresSettings, logger: Logger) {
        reporter = "\(process)@\(ProcessInfo.processInfo.hostName):\(getpid())"
        self.settings = settings
        self.logger = logger
    }

    public func record(script: String, function: String, kind: String, message: String?, at time: Date = Date()) {
        let key = Self.key(script: script, function: function, kind: kind)
        lock.withLock {
            lastFailureAt = time
            var tally = pending[key] ?? HookFailureTally(script: script, function: function, kind: kind, count: 0, lastAt: time, lastError: nil)
            tally.count += 1
            tally.lastAt = max(tally.lastAt, time)
            if let message { tally.lastError = message }
            pending[key] = tally
        }
    }

    private static func key(script: String, function: String, kind: String) -> String {
        script + "\u{1}" + function + "\u{1}" + kind
    }

    /// Whether a hook of this process failed within `degradedWindow`.
    public var isDegraded: Bool {
        lock.withLock { lastFailureAt.map { Date().timeIntervalSince($0) < Self.degradedWindow } ?? false }
    }

    /// Starts the reporting thread (once a second; old rows purged every ten minutes).
    public func startReporting() {
        let thread = Thread { [self] in
            var connection: DatabaseConnection?
            var lastPurge = Date.distantPast
            while true {
                Thread.sleep(forTimeInterval: 1)
                if report(over: &connection, purgeDue: Date().timeIntervalSince(lastPurge) > 600) { lastPurge = Date() }
            }
        }
        thread.name = "hook-failure-report"
        thread.start()
    }

    /// One round of the reporting thread: adds what is pending over `connection` (opened when
    /// nil), and purges old rows when `purgeDue`. When the database refuses, the tallies are kept
    /// for the next round (the metrics and logs already have them) and the connection is dropped.
    /// Returns whether it purged.
    func report(over connection: inout DatabaseConnection?, purgeDue: Bool) -> Bool {
        let tallies = takePending()
        guard !tallies.isEmpty || (purgeDue && connection != nil) else { return false }
        do {
            let database = try connection ?? DatabaseConnection(settings: settings)
            connection = database
            let store = HookFailureStore(database)
            try store.add(tallies, reporter: reporter)
            guard purgeDue else { return false }
            try store.purge()
            return true
        } catch {
            connection = nil
            restore(tallies)
            logger.warning("cannot report hook failures to the database; will retry", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Empties the tallies waiting to be reported and returns them.
    func takePending() -> [HookFailureTally] {
        lock.withLock {
            defer { pending = [:] }
            return Array(pending.values)
        }
    }

    /// Puts unreported tallies back, merged with what arrived meanwhile.
    func restore(_ tallies: [HookFailureTally]) {
        lock.withLock {
            for tally in tallies {
                let key = Self.key(script: tally.script, function: tally.function, kind: tally.kind)
                if var newer = pending[key] {
                    newer.count += tally.count
                    newer.lastError = newer.lastError ?? tally.lastError
                    pending[key] = newer
                } else {
                    pending[key] = tally
                }
            }
        }
    }
}
