import Foundation
import Logging
import MessagingCore
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's one database thread. It owns a blocking Postgres connection that LISTENs for
/// wake-ups (`chat_events`), typing (`chat_typing`) and presence (`chat_presence`); reads the event
/// log in commit-safe order from its own position; resolves recipients; renders frames (with the
/// H2AC decision per recipient) and hands them to the sessions' event loops. It also owns the
/// session registry, so registering a client (with or without a replay) and dispatching live
/// events are serialized: a resuming client gets exactly the events it missed, then live ones.
///
/// It polls the log on every wake-up, about every second regardless (a NOTIFY is lost when a
/// writer dies between commit and NOTIFY), and within milliseconds while events wait behind a
/// still-running transaction. When Postgres goes away it reconnects, LISTENs again and continues
/// from its position: connected clients lose nothing.
final class EventListener: @unchecked Sendable {
    private let settings: PushSettings
    private let commands: CommandQueue
    private let logger: Logger
    private let makeDecider: () -> NotificationDecider?

    private let stopLock = NSLock()
    private var stopRequested = false
    private let finished = DispatchSemaphore(value: 0)

    // Listener-thread state.
    private var connection: PostgresConnection?
    private var position = LogPosition.start
    private var positionKnown = false
    /// Users confirmed active (see `register`); dropped when their deactivation is read.
    private var activeUsers = Set<Int64>()
    /// Whether a connection was ever established: later ones count as reconnects.
    private var everConnected = false
    private let registry = SessionRegistry()
    private let cache = RecipientCache()
    private let typing: TypingRelay
    private let presence: PresenceTracker
    private var decider: NotificationDecider?
    private var outbox = Outbox()
    private var deferred: [(session: WebSocketSession, userId: Int64, since: Int64?)] = []
    private var pollRequested = true
    private var nextPollAt: UInt64 = 0
    private var quickDelayMilliseconds: UInt64 = 2
    private var nextReconnectAt: UInt64 = 0
    private var reconnectDelayMilliseconds: UInt64 = 100
    private var nextHeartbeatAt: UInt64 = 0
    private var nextPurgeAt: UInt64 = 0

    init(settings: PushSettings, commands: CommandQueue, logger: Logger, makeDecider: @escaping () -> NotificationDecider?) {
        self.settings = settings
        self.commands = commands
        self.logger = logger
        self.makeDecider = makeDecider
        self.typing = TypingRelay(timeoutSeconds: settings.typingTimeoutSeconds, logger: logger)
        self.presence = PresenceTracker(daemonId: settings.daemonId, logger: logger)
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
        decider = makeDecider()
        nextPurgeAt = Clock.nanoseconds() + UInt64(min(30, settings.purgeIntervalSeconds)) * 1_000_000_000
        while !shouldStop {
            if connection == nil && Clock.nanoseconds() >= nextReconnectAt { connect() }
            waitForWork()
            handleCommands()
            if connection != nil { handleNotifications() }
            let now = Clock.nanoseconds()
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
        let now = Clock.nanoseconds()
        var deadline = now + 1_000_000_000
        if connection != nil {
            deadline = min(deadline, pollRequested ? now : nextPollAt, nextHeartbeatAt)
            if presence.hasWork || !deferred.isEmpty { deadline = now }
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

    /// Runs database work; a lost connection is dropped (and re-established by the loop).
    private func withDatabase(_ what: String, _ body: (PostgresConnection) throws -> Void) {
        guard let connection else { return }
        do {
            try body(connection)
        } catch let error as PostgresError where error.isConnectionFailure || !connection.isConnected {
            logger.warning("lost the database connection; reconnecting", metadata: ["during": "\(what)", "error": "\(error)"])
            DaemonMetrics.shared.common.postgresError(error)
            self.connection = nil
            nextReconnectAt = Clock.nanoseconds() + 100_000_000
        } catch {
            logger.error("database work failed", metadata: ["during": "\(what)", "error": "\(error)"])
        }
    }

    private func connect() {
        let now = Clock.nanoseconds()
        do {
            let fresh = try PostgresConnection(settings: settings.configuration.databaseSettings(applicationName: "push-daemon"))
            // LISTEN before reading the position, so no wake-up falls in between.
            try fresh.execute(script: "LISTEN chat_events; LISTEN \(TypingRelay.channel); LISTEN \(PresenceTracker.channel)")
            // Each statement planned for its own parameters. The per-event unread counts take an
            // array of every local recipient; after five events a cached generic plan scanned
            // every membership against the whole array (EXPLAIN ANALYZE: 2.2 ms, against 1.2 ms
            // plus 0.6 ms of planning). W3-1000, interleaved fresh runs: PostgreSQL 1.7 µs per
            // delivery with this, 2.0-2.1 without. Planning costs tens of µs a query, and
            // wake-ups are rate-limited by the pools.
            try fresh.execute(script: "SET plan_cache_mode = force_custom_plan")
            if !positionKnown {
                position = try EventReader(connection: fresh).currentPosition()
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
                case EventWakeup.channel:
                    pollRequested = true
                case TypingRelay.channel:
                    try typing.received(notification.payload, registry: registry, connection: connection, cache: cache, outbox: &outbox)
                case PresenceTracker.channel:
                    presence.received(notification.payload)
                default:
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
                let purged = try EventReader(connection: connection).purge(retentionHours: settings.retentionHours)
                if purged > 0 { logger.info("purged expired events", metadata: ["events": "\(purged)"]) }
            }
        }
        if !deferred.isEmpty && positionKnown {
            let waiting = deferred
            deferred.removeAll()
            for item in waiting { register(item.session, userId: item.userId, since: item.since) }
        }
    }

    // MARK: Commands

    private func handleCommands() {
        for command in commands.drain() {
            switch command {
            case let .register(session, userId, since):
                register(session, userId: userId, since: since)
            case let .unregister(session):
                deferred.removeAll { $0.session === session }
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

    /// Adds a session: the `connected` frame, then (with a cursor) the events it missed or
    /// `resync_required`; from then on it receives live events. Needs the log position, and for a
    /// resume the database: until then the request waits.
    private func register(_ session: WebSocketSession, userId: Int64, since: Int64?) {
        guard positionKnown, since == nil || connection != nil else {
            deferred.append((session, userId, since))
            return
        }
        // The upgrade checked the account; it may have been deactivated since, with its event
        // read before this session was listed. So an account not known active here is checked
        // again (known ones are forgotten when their deactivation is read).
        if !activeUsers.contains(userId), let connection {
            let lookup: Account?
            do {
                lookup = try AccountStore(connection).find(id: userId)
            } catch {
                // The database cannot answer now: the upgrade's check stands (checked again next time).
                return registerChecked(session, userId: userId, since: since)
            }
            if let refusal = lookup.map(AccountState.check) ?? .unknownUser {
                logger.info("account refused at registration; closing", metadata: ["user.id": "\(userId)", "reason": "\(refusal.code)"])
                session.eventLoop.execute { session.close(code: .unknown(refusal.closeCode), reason: refusal.code) }
                return
            }
            if activeUsers.count > 1_000_000 { activeUsers.removeAll() }
            activeUsers.insert(userId)
        }
        registerChecked(session, userId: userId, since: since)
    }

    /// `register` after the account check: the connected frame, a replay, then live events.
    private func registerChecked(_ session: WebSocketSession, userId: Int64, since: Int64?) {
        guard let since else {
            outbox.add(Frames.connected(userId: userId, cursor: position.id), to: session)
            if registry.add(session, userId: userId, deliveredThrough: nil) { presence.changed(userId) }
            return
        }
        var registered = false
        withDatabase("resume") { connection in
            let reader = EventReader(connection: connection)
            switch try reader.lookup(cursor: since, retentionHours: settings.retentionHours) {
            case .expired:
                outbox.add(Frames.connected(userId: userId, cursor: position.id), to: session)
                outbox.add(Frames.resyncRequired(cursor: position.id), to: session)
                logger.info("resume cursor expired", metadata: ["user.id": "\(userId)", "cursor": "\(since)"])
                registered = true
                if registry.add(session, userId: userId, deliveredThrough: nil) { presence.changed(userId) }
            case let .found(from) where from >= position:
                // The client is ahead of this daemon (it came from a faster one): skip what it has.
                outbox.add(Frames.connected(userId: userId, cursor: since), to: session)
                registered = true
                if registry.add(session, userId: userId, deliveredThrough: from) { presence.changed(userId) }
            case let .found(from):
                var frames: [ByteBuffer] = [Frames.connected(userId: userId, cursor: since)]
                var bytes = 0
                var after = from
                var overflow = false
                pages: while true {
                    let page = try reader.replay(userId: userId, after: after, upTo: position, limit: 500)
                    for event in page where event.kind != Self.accountDeactivated {
                        let frame = Frames.close(Frames.eventPrefix(event), h2ac: nil)
                        bytes += frame.readableBytes
                        frames.append(frame)
                        if frames.count > settings.maxReplayEvents || bytes > settings.maxReplayBytes {
                            overflow = true
                            break pages
                        }
                    }
                    guard page.count == 500, let last = page.last else { break }
                    after = last.position
                }
                if overflow {
                    frames = [Frames.connected(userId: userId, cursor: position.id), Frames.resyncRequired(cursor: position.id)]
                    logger.info("resume backlog too large; resync required", metadata: ["user.id": "\(userId)", "cursor": "\(since)"])
                }
                for frame in frames { outbox.add(frame, to: session) }
                registered = true
                if registry.add(session, userId: userId, deliveredThrough: nil) { presence.changed(userId) }
            }
        }
        if !registered {
            // The database went away mid-resume: try again once it is back.
            deferred.append((session, userId, since))
        }
    }

    // MARK: The log

    private func readLog() {
        pollRequested = false
        withDatabase("read events") { connection in
            let reader = EventReader(connection: connection)
            var rounds = 0
            var progressed = false
            var lastCount = 0
            var beyondHorizon = false
            repeat {
                let (events, moreBeyondHorizon) = try reader.batch(after: position, limit: settings.batchSize)
                lastCount = events.count
                beyondHorizon = moreBeyondHorizon
                guard !events.isEmpty else { break }
                progressed = true
                try cache.prefetch(Array(Set(events.map(\.roomId)).subtracting([0])), connection: connection)
                for event in events {
                    try dispatch(event, connection: connection)
                    position = event.position
                    // Each event's frames leave at once, not after the rest of the batch.
                    outbox.flush()
                }
                rounds += 1
            } while lastCount == settings.batchSize && rounds < 20
            let now = Clock.nanoseconds()
            let waiting = lastCount == settings.batchSize || beyondHorizon
            if waiting {
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

    /// The event that ends a deactivated user's sessions (migration 0014): never a frame.
    static let accountDeactivated = "account_deactivated"

    private func dispatch(_ event: LoggedEvent, connection: PostgresConnection) throws {
        if event.kind == Self.accountDeactivated {
            for user in event.extraRecipients {
                activeUsers.remove(user)
                for entry in registry.sessions(of: user).map(Array.init) ?? [] {
                    let session = entry.session
                    session.eventLoop.execute { session.close(code: .unknown(TokenRejection.deactivated.closeCode), reason: TokenRejection.deactivated.code) }
                }
            }
            logger.info("closed a deactivated account's sessions", metadata: ["user.ids": "\(event.extraRecipients)"])
            return
        }
        if event.kind == "user_updated", let id = (try? JSON.parse(event.payload))?["user"]?["id"]?.intValue {
            typing.forgetUsername(of: id)
        }
        if RecipientCache.invalidates(event.kind) { cache.invalidate(event.roomId) }
        // Room 0 holds events about a user (user_updated): their recipients are listed.
        let room = event.roomId == 0 ? nil : try cache.room(event.roomId, connection: connection)
        if event.kind == "new_message", typing.isActive(inRoom: event.roomId) {
            typing.messageSent(payload: event.payload, room: event.roomId, registry: registry, cache: cache, outbox: &outbox)
        }
        var local: [Int64] = []
        if let room {
            for member in room.members.keys where registry.hasUser(member) { local.append(member) }
        }
        for extra in event.extraRecipients where registry.hasUser(extra) && !local.contains(extra) { local.append(extra) }
        guard !local.isEmpty else { return }
        let prefix = Frames.eventPrefix(event)
        let position = event.position

        guard let decider, NotificationInputs.hookedKinds.contains(event.kind) else {
            deliverSame(Frames.close(prefix, h2ac: nil), to: local, event: event)
            return
        }
        let unread: [Int64: NotificationInputs.Unread]
        let parts: NotificationInputs.EventParts
        do {
            unread = try NotificationInputs.unreadCounts(users: local, roomId: event.roomId, connection: connection)
            parts = try NotificationInputs.eventPart(event, room: room, connection: connection)
        } catch let error as PostgresError where !error.isConnectionFailure {
            // A hook can never block a delivery: without its input, the frame goes out without `h2ac`.
            logger.error("cannot read the hook's inputs; delivering without h2ac", metadata: ["event.id": "\(event.id)", "error": "\(error)"])
            deliverSame(Frames.close(prefix, h2ac: nil), to: local, event: event)
            return
        }
        // One decision per (recipient, focused conversation): a user's devices that look at the
        // same conversation share a frame.
        var slots: [(user: Int64, focus: Int64?)] = []
        var slotIndex: [DecisionSlot: Int] = [:]
        var targets: [(session: WebSocketSession, slot: Int)] = []
        slots.reserveCapacity(local.count)
        targets.reserveCapacity(local.count)
        for user in local {
            for entry in registry.sessions(of: user)! where !(entry.deliveredThrough.map { position <= $0 } ?? false) {
                let key = DecisionSlot(user: user, focus: entry.focusedConversationId)
                let slot: Int
                if let known = slotIndex[key] {
                    slot = known
                } else {
                    slot = slots.count
                    slotIndex[key] = slot
                    slots.append((user, entry.focusedConversationId))
                }
                targets.append((entry.session, slot))
            }
        }
        // Decided, rendered and handed to the event loops in chunks: the first recipients' frames
        // are being written while the listener decides for the next ones. Per session the order
        // stays (one chunk per session and event; each loop runs its tasks in order).
        let shared = NotificationInputs.shared(kind: event.kind, parts: parts)
        // Decisions are per recipient, but often equal (same badge, same toast): each distinct one
        // is rendered and encoded once and its frame shared.
        var rendered = RenderedFrames(prefix: prefix)
        var frames: [OutboundFrame] = []
        frames.reserveCapacity(slots.count)
        var nextTarget = 0
        for chunkStart in stride(from: 0, to: slots.count, by: Self.decisionChunk) {
            let chunk = chunkStart..<min(chunkStart + Self.decisionChunk, slots.count)
            let recipients = slots[chunk].map { slot in
                NotificationInputs.recipient(slot.user, focus: slot.focus, unread: unread[slot.user],
                                             muted: unread[slot.user]?.muted ?? room?.members[slot.user] ?? false)
            }
            let decisions = decider.decisions(forEvent: event.kind, shared: shared, recipients: recipients)
            for index in recipients.indices { frames.append(rendered.frame(for: decisions?[index])) }
            // Targets in order, up to the first whose slot is not decided yet (slots are created
            // in target order, so every target is sent exactly once, in order).
            while nextTarget < targets.count && targets[nextTarget].slot < frames.count {
                let target = targets[nextTarget]
                outbox.add(frames[target.slot], to: target.session)
                DaemonMetrics.shared.frameSent(eventCreatedAt: event.createdAt)
                nextTarget += 1
            }
            outbox.flush()
        }
    }

    /// Recipients decided per hook call before their frames are handed to the event loops.
    static let decisionChunk = 128

    /// One frame for every session of these users that has not had this event yet.
    private func deliverSame(_ payload: ByteBuffer, to users: [Int64], event: LoggedEvent) {
        let position = event.position
        let frame = Frames.wire(payload)
        for user in users {
            for entry in registry.sessions(of: user)! where !(entry.deliveredThrough.map { position <= $0 } ?? false) {
                outbox.add(frame, to: entry.session)
                DaemonMetrics.shared.frameSent(eventCreatedAt: event.createdAt)
            }
        }
    }

    // MARK: Shutdown support

    /// Every session, for a graceful close at shutdown (call after `stop`).
    func sessionsForShutdown() -> [WebSocketSession] {
        registry.allSessions()
    }
}

/// A recipient and the conversation its device looks at: one hook decision each.
struct DecisionSlot: Hashable {
    let user: Int64
    let focus: Int64?
}

/// The frames of one event by `h2ac` decision: equal decisions give byte-identical frames, so
/// each distinct decision is rendered and encoded once. Remembers the last few distinct ones
/// (compared with ==), so the cost stays bounded when every decision differs.
struct RenderedFrames {
    let prefix: String
    private var recent: [(decision: JSON?, frame: OutboundFrame)] = []
    private var next = 0
    static let capacity = 8

    init(prefix: String) {
        self.prefix = prefix
    }

    mutating func frame(for decision: JSON?) -> OutboundFrame {
        for entry in recent where Self.identical(entry.decision, decision) { return entry.frame }
        let frame = Frames.wire(Frames.close(prefix, h2ac: decision))
        if recent.count < Self.capacity {
            recent.append((decision, frame))
        } else {
            recent[next] = (decision, frame)
            next = (next + 1) % Self.capacity
        }
        return frame
    }

    /// Equal to the byte: JSON's == compares strings by Unicode equivalence ("é" precomposed
    /// equals "e" + combining accent) and doubles numerically (0.0 equals -0.0), though they
    /// serialize differently; a shared frame must be exactly the recipient's own.
    static func identical(_ a: JSON?, _ b: JSON?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return identical(a, b)
        default: return false
        }
    }

    static func identical(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x.bitPattern == y.bitPattern
        case let (.string(x), .string(y)), let (.raw(x), .raw(y)): return x.utf8.elementsEqual(y.utf8)
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0.utf8.elementsEqual($1.0.utf8) && identical($0.1, $1.1) }
        default: return false
        }
    }
}
