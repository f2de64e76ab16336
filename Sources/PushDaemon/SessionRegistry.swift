import MessagingCore
import NIOCore

/// Who is connected to this daemon: user -> sessions, with each session's focus (for the H2AC
/// hooks) and, after a resume from a cursor ahead of this daemon, the position up to which it
/// already has everything. Owned by the listener thread; sessions themselves are only touched on
/// their event loops (`Outbox`).
final class SessionRegistry {
    struct Entry {
        let session: WebSocketSession
        var focusedConversationId: Int64?
        /// Events at or before this position were already delivered (by another daemon).
        var deliveredThrough: LogPosition?
    }

    private var byUser: [Int64: [ObjectIdentifier: Entry]] = [:]
    private(set) var sessionCount = 0

    var userCount: Int { byUser.count }
    var users: Dictionary<Int64, [ObjectIdentifier: Entry]>.Keys { byUser.keys }

    /// True when this is the user's first session here.
    @discardableResult
    func add(_ session: WebSocketSession, userId: Int64, deliveredThrough: LogPosition?) -> Bool {
        let first = byUser[userId] == nil
        byUser[userId, default: [:]][ObjectIdentifier(session)] = Entry(session: session, focusedConversationId: nil, deliveredThrough: deliveredThrough)
        sessionCount += 1
        return first
    }

    /// True when this was the user's last session here; false also for an unknown session.
    @discardableResult
    func remove(_ session: WebSocketSession, userId: Int64) -> Bool {
        guard var sessions = byUser[userId], sessions.removeValue(forKey: ObjectIdentifier(session)) != nil else { return false }
        sessionCount -= 1
        if sessions.isEmpty {
            byUser.removeValue(forKey: userId)
            return true
        }
        byUser[userId] = sessions
        return false
    }

    func contains(_ session: WebSocketSession, userId: Int64) -> Bool {
        byUser[userId]?[ObjectIdentifier(session)] != nil
    }

    func hasUser(_ userId: Int64) -> Bool {
        byUser[userId] != nil
    }

    func sessions(of userId: Int64) -> Dictionary<ObjectIdentifier, Entry>.Values? {
        byUser[userId]?.values
    }

    func setFocus(_ session: WebSocketSession, userId: Int64, conversationId: Int64?) {
        byUser[userId]?[ObjectIdentifier(session)]?.focusedConversationId = conversationId
    }

    func allSessions() -> [WebSocketSession] {
        byUser.values.flatMap { $0.values.map(\.session) }
    }
}

/// Frames collected during one pass of the listener, sent with one task per event loop and one
/// flush per session. Per loop, tasks run in submission order, so frames stay in order. Frames go
/// in encoded (`Frames.wire`): a frame for many sessions is encoded once.
struct Outbox {
    private var pending: [ObjectIdentifier: (session: WebSocketSession, frames: [OutboundFrame])] = [:]
    private var order: [ObjectIdentifier] = []

    var isEmpty: Bool { order.isEmpty }

    /// A frame for one session (encoded here).
    mutating func add(_ payload: ByteBuffer, to session: WebSocketSession) {
        add(Frames.wire(payload), to: session)
    }

    mutating func add(_ frame: OutboundFrame, to session: WebSocketSession) {
        let key = ObjectIdentifier(session)
        if let index = pending.index(forKey: key) {
            pending.values[index].frames.append(frame)
        } else {
            pending[key] = (session, [frame])
            order.append(key)
        }
    }

    mutating func flush() {
        guard !order.isEmpty else { return }
        var byLoop: [ObjectIdentifier: (loop: EventLoop, work: [(WebSocketSession, [OutboundFrame])])] = [:]
        for key in order {
            let (session, frames) = pending[key]!
            let loopKey = ObjectIdentifier(session.eventLoop)
            if byLoop[loopKey] == nil { byLoop[loopKey] = (session.eventLoop, []) }
            byLoop[loopKey]!.work.append((session, frames))
        }
        for (_, entry) in byLoop {
            let work = entry.work
            entry.loop.execute {
                for (session, frames) in work { session.deliver(frames) }
            }
        }
        pending.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
    }
}
