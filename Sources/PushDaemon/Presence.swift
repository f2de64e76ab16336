import Logging
import MessagingCore
import NIOCore

/// Presence: this daemon's share of `push_presence` (one row per user with a connection here),
/// written in batches from the listener thread, and the relay of `chat_presence` notifications
/// (from every daemon) as `presence` frames to the connected users who share a conversation.
final class PresenceTracker {
    private let daemonId: String
    private let logger: Logger
    /// Users whose row may need writing or deleting.
    private var dirty = Set<Int64>()
    /// Users this daemon's rows say are here.
    private var written = Set<Int64>()
    /// Notifications heard since the last relay pass.
    private var heard: [(userId: Int64, frame: ByteBuffer)] = []

    init(daemonId: String, logger: Logger) {
        self.daemonId = daemonId
        self.logger = logger
    }

    func changed(_ userId: Int64) {
        dirty.insert(userId)
    }

    var hasWork: Bool { !dirty.isEmpty || !heard.isEmpty }

    /// After (re)connecting: the daemon's rows are rebuilt from who is connected now.
    func reset(registry: SessionRegistry, connection: DatabaseConnection) throws {
        try PresenceStore(connection).reset(daemonId: daemonId)
        written.removeAll()
        dirty = Set(registry.users)
    }

    /// Writes pending transitions (at most a few thousand per call).
    func flush(registry: SessionRegistry, connection: DatabaseConnection) throws {
        guard !dirty.isEmpty else { return }
        var online: [Int64] = []
        var offline: [Int64] = []
        var handled: [Int64] = []
        for user in dirty {
            if handled.count >= 5000 { break }
            handled.append(user)
            let here = registry.hasUser(user)
            if here && !written.contains(user) { online.append(user) }
            if !here && written.contains(user) { offline.append(user) }
        }
        if !online.isEmpty || !offline.isEmpty {
            try PresenceStore(connection).update(daemonId: daemonId, online: online, offline: offline)
        }
        for user in handled { dirty.remove(user) }
        written.formUnion(online)
        written.subtract(offline)
    }

    func heartbeat(connection: DatabaseConnection) throws {
        try PresenceStore(connection).heartbeat(daemonId: daemonId)
    }

    /// At shutdown: every user here goes offline (unless connected elsewhere).
    func leave(connection: DatabaseConnection) throws {
        try PresenceStore(connection).leave(daemonId: daemonId, users: Array(written))
        written.removeAll()
    }

    /// A `chat_presence` notification: {"userId", "online", "lastSeenAt"}.
    func received(_ payload: String) {
        guard let parsed = try? JSON.parse(payload), let userId = parsed["userId"]?.intValue, let online = parsed["online"]?.boolValue else { return }
        if heard.count >= 10_000 { heard.removeFirst(heard.count / 2) }
        heard.append((userId, Frames.presence(userId: userId, online: online, lastSeenAt: parsed["lastSeenAt"]?.stringValue)))
    }

    /// Sends what was heard to the connected users who share a conversation with each subject.
    func relay(registry: SessionRegistry, connection: DatabaseConnection, outbox: inout Outbox) throws {
        guard !heard.isEmpty else { return }
        let batch = heard
        heard.removeAll(keepingCapacity: true)
        let subjects = Array(Set(batch.map(\.userId)))
        // Only peers connected here.
        let contacts = try RecipientStore(connection).contacts(of: subjects).mapValues { $0.filter(registry.hasUser) }
        for (subject, frame) in batch {
            guard let peers = contacts[subject], !peers.isEmpty else { continue }
            let wire = Frames.wire(frame)
            for peer in peers {
                guard let sessions = registry.sessions(of: peer) else { continue }
                for entry in sessions { outbox.add(wire, to: entry.session) }
            }
        }
    }
}
