import Foundation
import Logging
import MessagingCore

/// The retention job (`retention_days`, and conversations' own retention): every
/// `retention_purge_interval_seconds`, on a thread and connection of its own (a purge never holds
/// up deliveries), it tombstones what is due in batches of `batchSize`, each its own transaction,
/// and wakes the daemons for the message_deleted events after each. Every daemon runs one; an
/// advisory lock in chat_purge_messages lets one work at a time. In-process rather than pg_cron:
/// nothing to install into PostgreSQL (shared_preload_libraries and a restart), and it runs,
/// logs and is configured wherever the stack runs.
final class RetentionPurger: @unchecked Sendable {  // its state is touched only by its own thread
    static let batchSize = 500
    private let configuration: Configuration
    private let logger: Logger

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            var connection: DatabaseConnection?
            while true {
                Thread.sleep(forTimeInterval: Double(configuration.retentionPurgeIntervalSeconds))
                do {
                    if connection == nil {
                        connection = try DatabaseConnection(settings: configuration.databaseSettings(applicationName: "push-daemon-retention"))
                    }
                    try purgeAll(connection!)
                } catch {
                    connection = nil
                    logger.warning("retention job failed; will retry", metadata: ["error": "\(error)"])
                }
            }
        }
        thread.name = "retention"
        thread.start()
    }

    private func purgeAll(_ connection: DatabaseConnection) throws {
        let store = RetentionStore(connection)
        let defaultDays = configuration.retentionDays > 0 ? configuration.retentionDays : nil
        var total = 0
        while true {
            let done = try store.purge(defaultDays: defaultDays, batch: Self.batchSize)
            if done > 0 { AccountStore(connection).wakePushDaemons() }
            total += done
            if done < Self.batchSize { break }
        }
        if total > 0 { logger.info("retention purged messages", metadata: ["messages": "\(total)"]) }
    }
}
