import MessagingCore

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
        /// Order of admission: the smallest is the user's oldest session here.
        let admitted: UInt64
    }

    private var byUser: [Int64: [ObjectIdentifier: Entry]] = [:]
    private var admissions: UInt64 = 0
    var users: Dictionary<Int64, [ObjectIdentifier: Entry]>.Keys { byUser.keys }

    /// True when this is the user's first session here.
    @discardableResult
    func add(_ session: WebSocketSession, userId: Int64, deliveredThrough: LogPosition?) -> Bool {
        let first = byUser[userId] == nil
        admissions += 1
        byUser[userId, default: [:]][ObjectIdentifier(session)] = Entry(session: session, focusedConversationId: nil, deliveredThrough: deliveredThrough, admitted: admissions)
        return first
    }

    /// Unlists the user's oldest sessions beyond `limit` and returns them, oldest first (the
    /// caller closes them). Never the last one: `limit` is at least 1.
    func removeOldest(of userId: Int64, beyond limit: Int) -> [WebSocketSession] {
        guard let sessions = byUser[userId], sessions.count > max(limit, 1) else { return [] }
        let evicted = sessions.values.sorted { $0.admitted < $1.admitted }.prefix(sessions.count - max(limit, 1))
        for entry in evicted { byUser[userId]?.removeValue(forKey: ObjectIdentifier(entry.session)) }
        return evicted.map(\.session)
    }

    /// True when this was the user's last session here; false also for an unknown session.
    @discardableResult
    func remove(_ session: WebSocketSession, userId: Int64) -> Bool {
        guard var sessions = byUser[userId], sessions.removeValue(forKey: ObjectIdentifier(session)) != nil else { return false }
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
}
