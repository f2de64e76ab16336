import Logging
import MessagingCore

/// Typing indicators across daemons. A client's typing frame is checked against the room's
/// members here and published with `pg_notify('chat_typing', ...)` (a small payload, never stored);
/// every daemon, this one included, relays what it hears to its own clients in the room and
/// expires an indicator that was not refreshed within the timeout. Owned by the listener thread.
final class TypingRelay {
    private struct Key: Hashable {
        let room: Int64
        let user: Int64
    }

    /// Indicators heard (from any daemon) that are on: when they lapse, who, and the members the
    /// typist blocked (never told).
    private var active: [Key: (expiresAt: UInt64, username: String, hidden: Set<Int64>)] = [:]
    /// The earliest expiry in `active` (nil when empty), so the loop's checks stay O(1).
    private(set) var nextExpiry: UInt64?
    /// Rooms each local session said it was typing in, to turn them off when it disconnects.
    private var typingBySession: [ObjectIdentifier: [Int64: UInt64]] = [:]
    private var usernames: [Int64: String] = [:]
    private let timeout: UInt64
    private let logger: Logger

    init(timeoutSeconds: Double, logger: Logger) {
        self.timeout = UInt64(timeoutSeconds * 1_000_000_000)
        self.logger = logger
    }

    /// A local client's typing frame. Non-participants get an error frame.
    func request(session: WebSocketSession, room roomId: Int64, isTyping: Bool, connection: DatabaseConnection,
                 cache: RecipientCache, outbox: inout Outbox) throws {
        let userId = session.userId
        guard let room = try cache.room(roomId, connection: connection), room.members[userId] != nil else {
            outbox.add(Frames.error(code: "not_a_participant", message: "You are not a participant of this conversation.",
                                    requestType: "typing", conversationId: roomId), to: session)
            return
        }
        let now = MonotonicClock.nanoseconds()
        // A user with many connections cannot flood the others: "typing" costs a token from
        // one bucket per user; turning it off is free (it never outnumbers the turns on).
        if isTyping && !takeTypingToken(userId: userId, now: now) { return }
        if isTyping {
            typingBySession[ObjectIdentifier(session), default: [:]][roomId] = now
        } else {
            typingBySession[ObjectIdentifier(session)]?.removeValue(forKey: roomId)
        }
        try publish(room: roomId, userId: userId, username: try username(userId, connection: connection), isTyping: isTyping, connection: connection)
    }

    /// "Typing" commands a user may publish: `typingPerSecond` on average, `typingBurst` at once,
    /// whatever number of connections they open (each connection is also capped at 20 a second).
    static let typingPerSecond = 4.0
    static let typingBurst = 8.0
    private var typingBuckets: [Int64: (tokens: Double, at: UInt64)] = [:]

    private func takeTypingToken(userId: Int64, now: UInt64) -> Bool {
        var bucket = typingBuckets[userId] ?? (Self.typingBurst, now)
        bucket.tokens = min(Self.typingBurst, bucket.tokens + Double(now &- bucket.at) / 1e9 * Self.typingPerSecond)
        bucket.at = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        if typingBuckets.count > 100_000 { typingBuckets.removeAll(keepingCapacity: true) }  // full buckets are the default anyway
        typingBuckets[userId] = bucket
        return allowed
    }

    /// A session closed: indicators it left on are turned off for everyone.
    func sessionClosed(_ session: WebSocketSession, connection: DatabaseConnection?) {
        guard let rooms = typingBySession.removeValue(forKey: ObjectIdentifier(session)), let connection else { return }
        let now = MonotonicClock.nanoseconds()
        for (room, at) in rooms where now &- at < timeout {
            let userId = session.userId
            try? publish(room: room, userId: userId, username: (try? username(userId, connection: connection)) ?? "", isTyping: false, connection: connection)
        }
    }

    private func publish(room: Int64, userId: Int64, username: String, isTyping: Bool, connection: DatabaseConnection) throws {
        try TypingStore(connection).publish(room: room, userId: userId, username: username, isTyping: isTyping)
    }

    /// A `chat_typing` notification from any daemon: relayed to this daemon's clients in the room.
    func received(_ payload: String, registry: SessionRegistry, connection: DatabaseConnection, cache: RecipientCache,
                  outbox: inout Outbox) throws {
        guard let parsed = try? JSON.parse(payload), let roomId = parsed["c"]?.intValue, let userId = parsed["u"]?.intValue,
              let isTyping = parsed["t"]?.boolValue
        else { return }
        let username = parsed["n"]?.stringValue ?? ""
        let hidden = Set(parsed["b"]?.arrayValue?.compactMap(\.intValue) ?? [])
        let key = Key(room: roomId, user: userId)
        if isTyping {
            let refresh = active[key] != nil
            let expiresAt = MonotonicClock.nanoseconds() + timeout
            if !refresh { typistsByRoom[roomId, default: 0] += 1 }
            active[key] = (expiresAt, username, hidden)
            nextExpiry = min(nextExpiry ?? expiresAt, expiresAt)
            if refresh { return }  // receivers already show it; only the expiry moves
        } else {
            guard removeActive(key) != nil else { return }
        }
        guard let room = try cache.room(roomId, connection: connection) else { return }
        fanOut(room: room, roomId: roomId, userId: userId, username: username, isTyping: isTyping, hidden: hidden, registry: registry,
               outbox: &outbox)
    }

    /// Whether anyone is typing in `roomId` now: a dictionary lookup, as it is asked for every
    /// new message.
    func isActive(inRoom roomId: Int64) -> Bool { typistsByRoom[roomId] != nil }

    /// Indicators on per room, kept with `active`, so `isActive` need not scan it.
    private var typistsByRoom: [Int64: Int] = [:]

    private func removeActive(_ key: Key) -> (expiresAt: UInt64, username: String, hidden: Set<Int64>)? {
        guard let entry = active.removeValue(forKey: key) else { return nil }
        let left = (typistsByRoom[key.room] ?? 1) - 1
        typistsByRoom[key.room] = left > 0 ? left : nil
        return entry
    }

    /// A new message ends its sender's indicator in that room at once: receivers would otherwise
    /// show "typing" beside the message until the timeout. Every daemon sees the event, so each
    /// turns it off for its own clients. `payload` is the message's JSON (`senderId`).
    func messageSent(payload: String, room roomId: Int64, registry: SessionRegistry, cache: RecipientCache, outbox: inout Outbox) {
        guard let senderId = (try? JSON.parse(payload))?["senderId"]?.intValue,
              let entry = removeActive(Key(room: roomId, user: senderId)),
              let room = cache.cached(roomId)
        else { return }
        fanOut(room: room, roomId: roomId, userId: senderId, username: entry.username, isTyping: false, hidden: entry.hidden, registry: registry,
               outbox: &outbox)
    }

    /// Indicators not refreshed in time are turned off for this daemon's clients.
    func expire(now: UInt64, registry: SessionRegistry, cache: RecipientCache, outbox: inout Outbox) {
        guard let next = nextExpiry, next <= now else { return }
        let lapsed = active.filter { $0.value.expiresAt <= now }
        for (key, value) in lapsed {
            _ = removeActive(key)
            guard let room = cache.cached(key.room) else { continue }
            fanOut(room: room, roomId: key.room, userId: key.user, username: value.username, isTyping: false, hidden: value.hidden,
                   registry: registry, outbox: &outbox)
        }
        nextExpiry = active.values.map(\.expiresAt).min()
    }

    private func fanOut(room: RecipientCache.Room, roomId: Int64, userId: Int64, username: String, isTyping: Bool, hidden: Set<Int64>,
                        registry: SessionRegistry, outbox: inout Outbox) {
        var frame: OutboundFrame?
        for member in room.members.keys where member != userId && !hidden.contains(member) {
            guard let sessions = registry.sessions(of: member) else { continue }
            if frame == nil { frame = Frames.wire(Frames.typing(conversationId: roomId, userId: userId, username: username, isTyping: isTyping)) }
            for entry in sessions { outbox.add(frame!, to: entry.session) }
        }
    }

    /// A renamed user's typing frames carry the new username (a `user_updated` event was read).
    func forgetUsername(of userId: Int64) {
        usernames.removeValue(forKey: userId)
    }

    private func username(_ userId: Int64, connection: DatabaseConnection) throws -> String {
        if let known = usernames[userId] { return known }
        let name = try UserStore(connection).username(id: userId) ?? ""
        if usernames.count > 50_000 { usernames.removeAll(keepingCapacity: true) }
        usernames[userId] = name
        return name
    }
}
