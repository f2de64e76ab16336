import Foundation
import Logging
import MessagingCore
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's one database thread. It owns a blocking database connection that LISTENs for
/// wake-ups (`chat_events`), typing (`chat_typing`) and presence (`chat_presence`); reads the event
/// log in commit-safe order from its own position and hands each event to `EventDelivery`, whose
/// frames go to the sessions' event loops. It also owns the session registry, so admitting a
/// client (`ResumeCoordinator`) and delivering live events are serialized: a resuming client gets
/// exactly the events it missed, then live ones.
///
/// It polls the log on every wake-up, about every second regardless (a NOTIFY is lost when a
/// writer dies between commit and NOTIFY), and within milliseconds while events wait behind a
/// still-running transaction. When Postgres goes away it reconnects, LISTENs again and continues
/// from its position: connected clients lose nothing.
final class EventListener: @unchecked Sendable {  // its state is touched only by its own thread; others talk to it through CommandQueue
    private let settings: PushSettings
    private let commands: CommandQueue
    private let logger: Logger

    private let stopLock = NSLock()
    private var stopRequested = false
    private let finished = DispatchSemaphore(value: 0)

    // Listener-thread state.
    private var connection: DatabaseConnection?
    private var position = LogPosition.start
    private var positionKnown = false
    /// Whether a connection was ever established: later ones count as reconnects.
    private var everConnected = false
    private let registry = SessionRegistry()
    private let cache = RecipientCache()
    private let typing: TypingRelay
    private let presence: PresenceTracker
    private let resume: ResumeCoordinator
    private let delivery: EventDelivery
    private var outbox = Outbox()
    private var pollRequested = true
    private var nextPollAt: UInt64 = 0
    private var quickDelayMilliseconds: UInt64 = 2
    private var nextReconnectAt: UInt64 = 0
    private var reconnectDelayMilliseconds: UInt64 = 100
    private var nextHeartbeatAt: UInt64 = 0
    private var nextPurgeAt: UInt64 = 0

    /// `hooksEnabled`: events with a hook get their `h2ac` decided on the sessions' event loops.
    init(settings: PushSettings, commands: CommandQueue, logger: Logger, hooksEnabled: Bool) {
        self.settings = settings
        self.commands = commands
        self.logger = logger
        self.typing = TypingRelay(timeoutSeconds: settings.typingTimeoutSeconds, logger: logger)
        self.presence = PresenceTracker(daemonId: settings.daemonId, logger: logger)
        self.resume = ResumeCoordinator(registry: registry, presence: presence, settings: settings, logger: logger)
        self.delivery = EventDelivery(registry: registry, cache: cache, typing: typing, resume: resume, hooksEnabled: hooksEnabled, logger: logger)
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "event-listener"
        thread.start()
    }

    /// Asks the thread to mark this daemon's users offline and stop; waits up to `timeout`.
    func stop(timeout: Double) {
        stopLock.lock()
        stopRequested = true
        stopLock.unlock()
        commands.wake()
        _ = finished.wait(timeout: .now() + timeout)
    }

    private var shouldStop: Bool {
        stopLock.lock()
        defer { stopLock.unlock() }
        return stopRequested
    }

    // MARK: The loop

    private func run() {
        nextPurgeAt = MonotonicClock.nanoseconds() + UInt64(min(30, settings.purgeIntervalSeconds)) * 1_000_000_000
        while !shouldStop {
            if connection == nil && MonotonicClock.nanoseconds() >= nextReconnectAt { connect() }
            waitForWork()
            handleCommands()
            if connection != nil { handleNotifications() }
            let now = MonotonicClock.nanoseconds()
            if connection != nil && (pollRequested || now >= nextPollAt) { readLog() }
            typing.expire(now: now, registry: registry, cache: cache, outbox: &outbox)
            if connection != nil { periodicWork(now: now) }
            outbox.flush()
        }
        if let connection {
            try? presence.leave(connection: connection)
        }
        connection = nil
        logger.info("event listener stopped")
    }

    private func waitForWork() {
        // Queries since the last wait may have read NOTIFYs into libpq's buffer: the socket then
        // has nothing left to wake poll(), so take them first (else a wake-up waits for the
        // 1 s poll).
        if connection != nil { handleNotifications() }
        let now = MonotonicClock.nanoseconds()
        var deadline = now + 1_000_000_000
        if connection != nil {
            deadline = min(deadline, pollRequested ? now : nextPollAt, nextHeartbeatAt)
            if presence.hasWork || resume.hasWaiting { deadline = now }
        } else {
            deadline = min(deadline, nextReconnectAt)
        }
        if let expiry = typing.nextExpiry { deadline = min(deadline, expiry) }
        let timeoutMilliseconds = deadline > now ? Int32(min((deadline - now + 999_999) / 1_000_000, 1000)) : 0
        var descriptors = [pollfd(fd: commands.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        if let socket = connection?.socketDescriptor, socket >= 0 {
            descriptors.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0))
        }
        _ = poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds)
    }

    // MARK: The connection

    /// Runs database work; a lost connection is dropped (and re-established by the loop).
    private func withDatabase(_ what: String, _ body: (DatabaseConnection) throws -> Void) {
        guard let connection else { return }
        do {
            try body(connection)
        } catch {
            databaseFailed(error, during: what)
        }
    }

    private func databaseFailed(_ error: Error, during what: String) {
        if let error = error as? DatabaseError, error.isConnectionFailure || !(connection?.isConnected ?? false) {
            logger.warning("lost the database connection; reconnecting", metadata: ["during": "\(what)", "error": "\(error)"])
            DaemonMetrics.shared.common.postgresError(error)
            connection = nil
            nextReconnectAt = MonotonicClock.nanoseconds() + 100_000_000
        } else {
            logger.error("database work failed", metadata: ["during": "\(what)", "error": "\(error)"])
        }
    }

    private func connect() {
        let now = MonotonicClock.nanoseconds()
        do {
            let fresh = try DatabaseConnection(settings: settings.configuration.databaseSettings(applicationName: "push-daemon"))
            // LISTEN before reading the position, so no wake-up falls in between.
            try fresh.listen([.events, .typing, .presence])
            try fresh.planEachStatementForItsParameters()
            if !positionKnown {
                position = try EventLogStore(fresh).currentPosition()
                positionKnown = true
            }
            // Memberships may have changed while the connection was down.
            cache.invalidateAll()
            try presence.reset(registry: registry, connection: fresh)
            if positionKnown && everConnected {
                DaemonMetrics.shared.listenerReconnected()
                DaemonMetrics.shared.common.postgresReconnects()
            }
            everConnected = true
            connection = fresh
            pollRequested = true
            reconnectDelayMilliseconds = 100
            nextHeartbeatAt = now + UInt64(settings.presenceHeartbeatSeconds) * 1_000_000_000
            logger.info("listening for events", metadata: ["log.position": "\(position)", "daemon.id": "\(settings.daemonId)"])
        } catch {
            logger.warning("cannot reach the database; retrying", metadata: [
                "error": "\(error)", "retry_ms": "\(reconnectDelayMilliseconds)",
            ])
            nextReconnectAt = now + reconnectDelayMilliseconds * 1_000_000
            reconnectDelayMilliseconds = min(reconnectDelayMilliseconds * 2, 2000)
        }
    }

    private func handleNotifications() {
        withDatabase("notifications") { connection in
            for notification in try connection.drainNotifications() {
                switch notification.channel {
                case .events:
                    StageTimeline.markShared(.woke)
                    pollRequested = true
                case .typing:
                    try typing.received(notification.payload, registry: registry, connection: connection, cache: cache, outbox: &outbox)
                case .presence:
                    presence.received(notification.payload)
                case .accounts:
                    break
                }
            }
        }
    }

    private func periodicWork(now: UInt64) {
        withDatabase("presence") { connection in
            try presence.flush(registry: registry, connection: connection)
            try presence.relay(registry: registry, connection: connection, outbox: &outbox)
            if now >= nextHeartbeatAt {
                nextHeartbeatAt = now + UInt64(settings.presenceHeartbeatSeconds) * 1_000_000_000
                try presence.heartbeat(connection: connection)
            }
        }
        if now >= nextPurgeAt {
            nextPurgeAt = now + UInt64(settings.purgeIntervalSeconds) * 1_000_000_000
            withDatabase("purge") { connection in
                let purged = try EventLogStore(connection).purge(retentionHours: settings.retentionHours)
                if purged > 0 { logger.info("purged expired events", metadata: ["events": "\(purged)"]) }
            }
        }
        if resume.hasWaiting && positionKnown {
            for request in resume.takeWaiting() { register(request) }
        }
    }

    // MARK: Commands

    private func handleCommands() {
        for command in commands.drain() {
            switch command {
            case let .register(session, userId, since):
                register(ResumeCoordinator.Request(session: session, userId: userId, since: since))
            case let .unregister(session):
                resume.forget(session)
                if registry.remove(session, userId: session.userId) { presence.changed(session.userId) }
                typing.sessionClosed(session, connection: connection)
            case let .typing(session, conversationId, isTyping):
                guard registry.contains(session, userId: session.userId) else { continue }
                withDatabase("typing") { connection in
                    try typing.request(session: session, room: conversationId, isTyping: isTyping, connection: connection, cache: cache, outbox: &outbox)
                }
            case let .focus(session, conversationId):
                registry.setFocus(session, userId: session.userId, conversationId: conversationId)
            }
        }
    }

    private func register(_ request: ResumeCoordinator.Request) {
        do {
            try resume.register(request, position: positionKnown ? position : nil, database: connection, outbox: &outbox)
        } catch {
            databaseFailed(error, during: "resume")
        }
    }

    // MARK: The log

    private func readLog() {
        pollRequested = false
        withDatabase("read events") { connection in
            let log = EventLogStore(connection)
            var rounds = 0
            var progressed = false
            var lastCount = 0
            var beyondHorizon = false
            repeat {
                let (events, moreBeyondHorizon) = try log.batch(after: position, limit: settings.batchSize)
                if StageTimeline.isRecording { for event in events { StageTimeline.mark(.read, message: event.tracedMessage) } }
                lastCount = events.count
                beyondHorizon = moreBeyondHorizon
                guard !events.isEmpty else { break }
                progressed = true
                try cache.prefetch(Array(Set(events.map(\.roomId)).subtracting([0])), connection: connection)
                for event in events {
                    try delivery.deliver(event, connection: connection, outbox: &outbox)
                    position = event.position
                    // Each event's frames leave at once, not after the rest of the batch.
                    outbox.flush()
                }
                rounds += 1
            } while lastCount == settings.batchSize && rounds < 20
            let now = MonotonicClock.nanoseconds()
            if lastCount == settings.batchSize || beyondHorizon {
                // Events wait behind a running transaction: look again in a few milliseconds,
                // backing off to 50 ms while nothing moves.
                quickDelayMilliseconds = progressed ? 2 : min(quickDelayMilliseconds * 2, 50)
                nextPollAt = now + quickDelayMilliseconds * 1_000_000
            } else {
                quickDelayMilliseconds = 2
                nextPollAt = now + UInt64(settings.pollIntervalMilliseconds) * 1_000_000
            }
        }
    }
}
