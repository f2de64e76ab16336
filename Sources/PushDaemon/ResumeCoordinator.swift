import Logging
import MessagingCore
import NIOCore

/// Admits sessions to the registry, on the listener thread, so that admitting and dispatching
/// live events are serialized: a new session gets its `connected` frame, a resuming one exactly
/// the events it missed (or `resync_required`), then live ones. A request that needs the log
/// position or the database before either is there waits here and is admitted later.
final class ResumeCoordinator {
    struct Request {
        let session: WebSocketSession
        let userId: Int64
        /// The client's last cursor; nil for a fresh start.
        let since: Int64?
    }

    private let registry: SessionRegistry
    private let presence: PresenceTracker
    private let settings: PushSettings
    private let logger: Logger
    /// Requests that wait for the log position or the database.
    private var waiting: [Request] = []
    /// Users confirmed active (see `register`); dropped when their deactivation or suspension is read.
    private var activeUsers = Set<Int64>()

    init(registry: SessionRegistry, presence: PresenceTracker, settings: PushSettings, logger: Logger) {
        self.registry = registry
        self.presence = presence
        self.settings = settings
        self.logger = logger
    }

    var hasWaiting: Bool { !waiting.isEmpty }

    /// The waiting requests, to be registered again now.
    func takeWaiting() -> [Request] {
        defer { waiting.removeAll() }
        return waiting
    }

    /// A session closed before it was admitted.
    func forget(_ session: WebSocketSession) {
        waiting.removeAll { $0.session === session }
    }

    /// The users' deactivation or suspension was read: a later session of theirs is checked again.
    func accountsRefused(_ users: [Int64]) {
        for user in users { activeUsers.remove(user) }
    }

    /// Adds a session: the `connected` frame, then (with a cursor) the events it missed or
    /// `resync_required`. `position` is nil until the listener knows it, `database` nil while it
    /// is down: the request then waits. A database error mid-resume leaves it waiting and is
    /// rethrown for the listener to handle.
    func register(_ request: Request, position: LogPosition?, database: DatabaseConnection?, outbox: inout Outbox) throws {
        guard let position, request.since == nil || database != nil else {
            waiting.append(request)
            return
        }
        let userId = request.userId
        // The upgrade checked the account; it may have been deactivated since, with its event
        // read before this session was listed. So an account not known active here is checked
        // again (known ones are forgotten when their deactivation is read).
        // If the database cannot answer now, the upgrade's check stands (checked again next time).
        if !activeUsers.contains(userId), let database,
           case let .success(lookup) = Result(catching: { try AccountStore(database).find(id: userId) }) {
            if let refusal = lookup.map({ AccountState.check($0) }) ?? .unknownUser {
                logger.info("account refused at registration; closing", metadata: ["user.id": "\(userId)", "reason": "\(refusal.code)"])
                let session = request.session
                session.eventLoop.execute { session.close(code: .unknown(refusal.closeCode), reason: refusal.code) }
                return
            }
            if activeUsers.count > 1_000_000 { activeUsers.removeAll() }
            activeUsers.insert(userId)
        }
        guard let since = request.since, let database else {
            outbox.add(Frames.connected(userId: userId, cursor: position.id), to: request.session)
            add(request.session, userId: userId, deliveredThrough: nil)
            return
        }
        do {
            try resume(request.session, userId: userId, since: since, position: position, database: database, outbox: &outbox)
        } catch {
            // The database went away mid-resume: try again once it is back.
            waiting.append(request)
            throw error
        }
    }

    private func resume(_ session: WebSocketSession, userId: Int64, since: Int64, position: LogPosition, database: DatabaseConnection,
                        outbox: inout Outbox) throws {
        let log = EventLogStore(database)
        switch try log.lookup(cursor: since, retentionHours: settings.retentionHours) {
        case .expired:
            outbox.add(Frames.connected(userId: userId, cursor: position.id), to: session)
            outbox.add(Frames.resyncRequired(cursor: position.id), to: session)
            logger.info("resume cursor expired", metadata: ["user.id": "\(userId)", "cursor": "\(since)"])
            add(session, userId: userId, deliveredThrough: nil)
        case let .found(from) where from >= position:
            // The client is ahead of this daemon (it came from a faster one): skip what it has.
            outbox.add(Frames.connected(userId: userId, cursor: since), to: session)
            add(session, userId: userId, deliveredThrough: from)
        case let .found(from):
            let replayed = try replay(log, userId: userId, after: from, upTo: position, first: Frames.connected(userId: userId, cursor: since))
            if replayed == nil {
                logger.info("resume backlog too large; resync required", metadata: ["user.id": "\(userId)", "cursor": "\(since)"])
            }
            for frame in replayed ?? [Frames.connected(userId: userId, cursor: position.id), Frames.resyncRequired(cursor: position.id)] {
                outbox.add(frame, to: session)
            }
            add(session, userId: userId, deliveredThrough: nil)
        }
    }

    /// `first`, then the user's events in (after, upTo] as frames; nil when they exceed the
    /// replay limits (the client must resync).
    private func replay(_ log: EventLogStore, userId: Int64, after from: LogPosition, upTo position: LogPosition, first: ByteBuffer) throws -> [ByteBuffer]? {
        var frames = [first]
        var bytes = 0
        var after = from
        while true {
            let page = try log.replay(userId: userId, after: after, upTo: position, limit: Self.pageSize)
            for event in page where event.kind?.endsSessions != true {
                let frame = Frames.close(Frames.eventPrefix(event), h2ac: nil)
                bytes += frame.readableBytes
                frames.append(frame)
                if frames.count > settings.maxReplayEvents || bytes > settings.maxReplayBytes { return nil }
            }
            guard page.count == Self.pageSize, let last = page.last else { return frames }
            after = last.position
        }
    }

    private static let pageSize = 500

    private func add(_ session: WebSocketSession, userId: Int64, deliveredThrough: LogPosition?) {
        if registry.add(session, userId: userId, deliveredThrough: deliveredThrough) { presence.changed(userId) }
        // The newest connection is the device in the person's hand; the oldest is the likeliest
        // to be stale (a phone that lost its network without closing).
        let evicted = registry.removeOldest(of: userId, beyond: settings.maxConnectionsPerUser)
        guard !evicted.isEmpty else { return }
        logger.info("connection cap reached; closing the oldest", metadata: ["user.id": "\(userId)", "closed": "\(evicted.count)"])
        for old in evicted {
            old.eventLoop.execute { old.close(code: .unknown(ConnectionCap.closeCode), reason: ConnectionCap.reason) }
        }
    }
}
