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

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "event-wakeup"
        thread.start()
    }

    private func run() {
        var connection: PostgresConnection?
        var lastSent: UInt64 = 0
        while true {
            condition.lock()
            while !pending { condition.wait() }
            condition.unlock()
            // Under load, one NOTIFY per `minimumInterval` at most: each costs a commit and a log
            // read in every daemon, and the commits made meanwhile ride on the next one. An
            // occasional send (a NOTIFY long ago) goes out at once.
            let now = DispatchTime.now().uptimeNanoseconds
            if now < lastSent + minimumIntervalNanoseconds {
                Thread.sleep(forTimeInterval: Double(lastSent + minimumIntervalNanoseconds - now) / 1e9)
            }
            condition.lock()
            pending = false
            condition.unlock()
            lastSent = DispatchTime.now().uptimeNanoseconds
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
