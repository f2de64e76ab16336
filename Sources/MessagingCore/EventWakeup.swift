import Foundation
import Logging
import Postgres

/// Wakes the push daemons after events were committed: `NOTIFY chat_events`, sent from a
/// thread of its own after the writer's commit, never inside the write transaction (a NOTIFY
/// in a transaction takes a cluster-wide lock at commit and halves send throughput).
///
/// Wake-ups coalesce: however many commits poke it while one NOTIFY is in flight, the next
/// NOTIFY covers them all. The daemons read the log by cursor, so one wake-up is enough; if
/// one is lost (this process killed between commit and NOTIFY) the daemons' periodic poll
/// still finds the events.
public final class EventWakeup: @unchecked Sendable {
    public static let channel = "chat_events"

    private let settings: PostgresSettings
    private let logger: Logger
    private let condition = NSCondition()
    private var pending = false

    public init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
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
        while true {
            condition.lock()
            while !pending { condition.wait() }
            pending = false
            condition.unlock()
            do {
                if connection == nil { connection = try PostgresConnection(settings: settings) }
                try connection!.execute(script: "NOTIFY \(EventWakeup.channel)")
            } catch {
                logger.warning("event wake-up failed; daemons will find the events by polling", metadata: ["error": "\(error)"])
                connection = nil
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }
}
