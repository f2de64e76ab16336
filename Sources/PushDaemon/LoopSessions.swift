import Foundation
import NIOCore

/// The sessions of one event loop and the loop's one repeating sweep over them: pings, idle and
/// slow-reader timeouts and close deadlines for every connection from a single timer per thread,
/// instead of timers per connection. Touched only on its own event loop.
final class LoopSessions: @unchecked Sendable {  // confined to `eventLoop` (see above)
    let eventLoop: EventLoop
    /// This loop's H2AC decider, for the events of its sessions.
    let hooks: LoopHooks
    private var sessions: [ObjectIdentifier: WebSocketSession] = [:]
    private var sweepTask: RepeatedTask?

    init(eventLoop: EventLoop, makeDecider: @escaping @Sendable () -> NotificationDecider?) {
        self.eventLoop = eventLoop
        self.hooks = LoopHooks(eventLoop: eventLoop, makeDecider: makeDecider)
    }

    func add(_ session: WebSocketSession) {
        eventLoop.preconditionInEventLoop()
        sessions[ObjectIdentifier(session)] = session
    }

    func remove(_ session: WebSocketSession) {
        sessions.removeValue(forKey: ObjectIdentifier(session))
    }

    func startSweeping(every interval: TimeAmount) {
        sweepTask = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            let now = MonotonicClock.nanoseconds()
            let wallClock = Date().timeIntervalSince1970
            for session in Array(sessions.values) { session.sweep(now: now, wallClock: wallClock) }
        }
    }

    /// Closes every connection with "going away"; used at shutdown.
    func closeAll() {
        sweepTask?.cancel()
        for session in Array(sessions.values) { session.shutdown() }
    }
}

/// One `LoopSessions` per event loop of the group, found by loop identity.
struct LoopSessionsDirectory: Sendable {
    private let byLoop: [ObjectIdentifier: LoopSessions]
    let all: [LoopSessions]

    init(group: EventLoopGroup, makeDecider: @escaping @Sendable () -> NotificationDecider?) {
        var all: [LoopSessions] = []
        for loop in group.makeIterator() { all.append(LoopSessions(eventLoop: loop, makeDecider: makeDecider)) }
        self.all = all
        self.byLoop = Dictionary(uniqueKeysWithValues: all.map { (ObjectIdentifier($0.eventLoop), $0) })
    }

    func forLoop(_ loop: EventLoop) -> LoopSessions {
        byLoop[ObjectIdentifier(loop)]!
    }
}
