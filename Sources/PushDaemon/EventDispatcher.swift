import MessagingCore

/// One event's frames for the sessions connected here: who receives it, one H2AC decision per
/// recipient and focused conversation, and each distinct decision rendered once. A value: the
/// event, the sessions and the hook's inputs go in, frames per session come out in delivery
/// order. The listener reads the inputs from the database and hands each event loop its part
/// (`parts(by:)`), which that loop decides and renders (`LoopHooks`). `Target` is the session
/// (`WebSocketSession` in the daemon, anything in tests).
struct EventDispatcher<Target> {
    /// One connected session of a recipient.
    struct Session {
        let target: Target
        let focusedConversationId: Int64?
        /// Events at or before this position were already delivered (by another daemon).
        let deliveredThrough: LogPosition?
    }

    /// What the hook decides from: the parts every recipient shares, and per recipient the
    /// unread counts and mute flag (read for this event).
    struct HookInputs {
        let shared: [(String, JSON)]
        let unread: [Int64: RecipientStore.Unread]
        let room: RecipientStore.Room?
    }

    /// Recipients decided per hook call before their frames are handed on: the first
    /// recipients' frames are written before the next ones are decided.
    static var chunkSize: Int { 128 }

    let event: LoggedEvent
    private let prefix: String
    /// Sessions that have not had the event yet, in delivery order, with their recipient.
    private let pending: [(user: Int64, session: Session)]

    /// `sessions` lists each local recipient's sessions (see `recipients(of:room:isConnected:)`).
    init(event: LoggedEvent, sessions: [(user: Int64, sessions: [Session])]) {
        self.event = event
        prefix = Frames.eventPrefix(event)
        let position = event.position
        pending = sessions.flatMap { user, sessions in
            sessions.filter { session in !(session.deliveredThrough.map { position <= $0 } ?? false) }.map { (user, $0) }
        }
    }

    private init(event: LoggedEvent, prefix: String, pending: [(user: Int64, session: Session)]) {
        self.event = event
        self.prefix = prefix
        self.pending = pending
    }

    /// The same event for each group of sessions that share a `key` (their event loop), each in
    /// delivery order, groups in order of their first session; the frame prefix is rendered once.
    func parts<Key: AnyObject>(by key: (Target) -> Key) -> [(key: Key, part: EventDispatcher)] {
        var keys: [Key] = []
        var indexByKey: [ObjectIdentifier: Int] = [:]
        var groups: [[(user: Int64, session: Session)]] = []
        for entry in pending {
            let owner = key(entry.session.target)
            if let index = indexByKey[ObjectIdentifier(owner)] {
                groups[index].append(entry)
            } else {
                indexByKey[ObjectIdentifier(owner)] = groups.count
                keys.append(owner)
                groups.append([entry])
            }
        }
        return zip(keys, groups).map { ($0, EventDispatcher(event: event, prefix: prefix, pending: $1)) }
    }

    /// The users here who receive the event: the room's members that are connected, then its
    /// extra recipients (a removed member, a user's contacts), each once.
    static func recipients(of event: LoggedEvent, room: RecipientStore.Room?, isConnected: (Int64) -> Bool) -> [Int64] {
        var local: [Int64] = []
        if let room {
            for member in room.members.keys where isConnected(member) { local.append(member) }
        }
        for extra in event.extraRecipients where isConnected(extra) && !local.contains(extra) { local.append(extra) }
        return local
    }

    var isEmpty: Bool { pending.isEmpty }

    /// Without a hook decision: the same frame for every session.
    func unhooked() -> [(Target, OutboundFrame)] {
        let frame = Frames.wire(Frames.close(prefix, h2ac: nil))
        return pending.map { ($0.session.target, frame) }
    }

    /// With the hook: `decide` answers one chunk of recipients' own inputs (the `recipient`
    /// object each) with one decision each; `deliver` takes the frames whose decision is known,
    /// in delivery order, once per chunk. A recipient's devices that look at the same
    /// conversation share one decision and one frame.
    func hooked(_ inputs: HookInputs, decide: ([[(String, JSON)]]) -> [JSON], deliver: ([(Target, OutboundFrame)]) -> Void) {
        var slots: [DecisionSlot] = []
        var slotIndex: [DecisionSlot: Int] = [:]
        var targets: [(target: Target, slot: Int)] = []
        targets.reserveCapacity(pending.count)
        for (user, session) in pending {
            let key = DecisionSlot(user: user, focus: session.focusedConversationId)
            let slot: Int
            if let known = slotIndex[key] {
                slot = known
            } else {
                slot = slots.count
                slotIndex[key] = slot
                slots.append(key)
            }
            targets.append((session.target, slot))
        }
        var rendered = RenderedFrames(prefix: prefix)
        var frames: [OutboundFrame] = []
        frames.reserveCapacity(slots.count)
        var nextTarget = 0
        for chunkStart in stride(from: 0, to: slots.count, by: Self.chunkSize) {
            let chunk = chunkStart..<min(chunkStart + Self.chunkSize, slots.count)
            let recipients = slots[chunk].map { slot in
                NotificationInputs.recipient(slot.user, focus: slot.focus, unread: inputs.unread[slot.user],
                                             muted: inputs.unread[slot.user]?.muted ?? inputs.room?.members[slot.user] ?? false)
            }
            let decisions = decide(recipients)
            for index in recipients.indices { frames.append(rendered.frame(for: decisions[index])) }
            // Targets in order, up to the first whose slot is not decided yet (slots are created
            // in target order, so every target is sent exactly once, in order).
            var ready: [(Target, OutboundFrame)] = []
            while nextTarget < targets.count && targets[nextTarget].slot < frames.count {
                ready.append((targets[nextTarget].target, frames[targets[nextTarget].slot]))
                nextTarget += 1
            }
            deliver(ready)
        }
    }
}

/// A share of an event crosses from the listener thread to an event loop (`LoopHooks`).
extension EventDispatcher: Sendable where Target: Sendable {}
extension EventDispatcher.Session: Sendable where Target: Sendable {}
extension EventDispatcher.HookInputs: Sendable {}

/// A recipient and the conversation its device looks at: one hook decision each.
struct DecisionSlot: Hashable {
    let user: Int64
    let focus: Int64?
}
