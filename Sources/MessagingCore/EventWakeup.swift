import Foundation
import Logging
import Postgres

/// Wakes the push daemons after events were committed: `NOTIFY chat_events`, sent from a
/// thread of its own after the writer's commit, never inside the write transaction (a NOTIFY
/// in a transaction takes a cluster-wide lock at commit and halves send throughput).
///
/// Wake-ups coalesce: however many commits poke it while one NOTIFY is in flight, the next
/// NOTIFY covers them all, and under load NOTIFYs are at least `notify_min_interval_us` apart
/// (W1: 10-14 % more sends per second at 2 ms). The daemons read the log by cursor, so one wake-up is enough; if
/// one is lost (this process killed between commit and NOTIFY) the daemons' periodic poll
/// still finds the events.
public final class EventWakeup: @unchecked Sendable {  // `pending` is guarded by its lock; the connection belongs to its one thread
    public static let channel = NotificationChannel.events.rawValue

    private let settings: PostgresSettings
    private let logger: Logger
    private let condition = NSCondition()
    private var pending = false
    /// The wake-up thread is between taking `pending` and its NOTIFY's return.
    private var sending = false
    /// When this process last woke the daemons (a NOTIFY of the thread, or one claimed inline).
    private var lastSent: UInt64 = 0

    private let minimumIntervalNanoseconds: UInt64

    public init(settings: PostgresSettings, logger: Logger, minimumIntervalMicroseconds: Int = 0) {
        self.settings = settings
        self.logger = logger
        self.minimumIntervalNanoseconds = UInt64(max(0, minimumIntervalMicroseconds)) * 1000
    }

    /// Called by a writer right after its transaction committed. Never blocks on the database.
    public func poke() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    /// For a writer about to commit a lone send while this process owes the daemons no wake-up
    /// (none pending, none being sent, the last one at least the minimum interval ago): true
    /// means the writer puts the NOTIFY in its own transaction, where PostgreSQL delivers it at
    /// the commit, a round trip and a thread hand-off sooner than this thread could (issue 17,
    /// W2's stage timeline). It then counts as the latest wake-up, so the rate bound holds.
    /// Under load a wake-up is always pending or recent, and commits share this thread's NOTIFYs.
    public func claimInline() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let now = DispatchTime.now().uptimeNanoseconds
        guard !pending, !sending, now >= lastSent &+ minimumIntervalNanoseconds else { return false }
        lastSent = now
        return true
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "event-wakeup"
        thread.start()
    }

    private func run() {
        var connection: PostgresConnection?
        while true {
            condition.lock()
            while !pending { condition.wait() }
            let previous = lastSent
            condition.unlock()
            // Under load, one NOTIFY per `minimumInterval` at most: each costs a commit and a log
            // read in every daemon, and the commits made meanwhile ride on the next one. An
            // occasional send (a NOTIFY long ago) goes out at once.
            let now = DispatchTime.now().uptimeNanoseconds
            if now < previous + minimumIntervalNanoseconds {
                Thread.sleep(forTimeInterval: Double(previous + minimumIntervalNanoseconds - now) / 1e9)
            }
            condition.lock()
            pending = false
            sending = true
            lastSent = DispatchTime.now().uptimeNanoseconds
            condition.unlock()
            defer {
                condition.lock()
                sending = false
                condition.unlock()
            }
            do {
                if connection == nil { connection = try PostgresConnection(settings: settings) }
                try connection!.execute(script: "NOTIFY \(EventWakeup.channel)")
                StageTimeline.markShared(.notified)
            } catch {
                logger.warning("event wake-up failed; daemons will find the events by polling", metadata: ["error": "\(error)"])
                connection = nil
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }
}
