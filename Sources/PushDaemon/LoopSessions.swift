import Foundation
import NIOCore

/// The sessions of one event loop and the loop's one repeating sweep over them: pings, idle and
/// slow-reader timeouts and close deadlines for every connection from a single timer per thread,
/// instead of timers per connection. Touched only on its own event loop.
///
/// Each tick sweeps one slice of the sessions, so every session is checked once per round while
/// the work (and the pings it sends) is spread over the round. Sweeping all at once every 5 s
/// sent a daemon's pings for 5 s of connections in one burst, and the pongs came back through
/// nginx together: with 100,000 connections held, those bursts were W2's 160 ms p99 (W4b).
final class LoopSessions: @unchecked Sendable {  // confined to `eventLoop` (see above)
    let eventLoop: EventLoop
    /// This loop's H2AC decider, for the events of its sessions.
    let hooks: LoopHooks
    /// In no particular order; `positions` finds a session's index for an O(1) swap-remove.
    private var sessions: [WebSocketSession] = []
    private var positions: [ObjectIdentifier: Int] = [:]
    private var sweepCursor = 0
    private var sweepTask: RepeatedTask?
    static let ticksPerRound = 20

    init(eventLoop: EventLoop, makeDecider: @escaping @Sendable () -> NotificationDecider?) {
        self.eventLoop = eventLoop
        self.hooks = LoopHooks(eventLoop: eventLoop, makeDecider: makeDecider)
    }

    func add(_ session: WebSocketSession) {
        eventLoop.preconditionInEventLoop()
        guard positions[ObjectIdentifier(session)] == nil else { return }
        positions[ObjectIdentifier(session)] = sessions.count
        sessions.append(session)
    }

    func remove(_ session: WebSocketSession) {
        guard let index = positions.removeValue(forKey: ObjectIdentifier(session)) else { return }
        let last = sessions.removeLast()
        if index < sessions.count {
            sessions[index] = last
            positions[ObjectIdentifier(last)] = index
        }
    }

    /// Checks every session once per `round`, a slice per tick.
    func startSweeping(every round: TimeAmount) {
        let tick = TimeAmount.nanoseconds(max(1, round.nanoseconds / Int64(Self.ticksPerRound)))
        sweepTask = eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [self] _ in sweepSlice() }
    }

    /// The next slice, from where the last one stopped. A session removed meanwhile moves the
    /// last one into its place, which may then wait for the next round: checks are coarse anyway.
    private func sweepSlice() {
        if sweepCursor >= sessions.count { sweepCursor = 0 }
        let size = (sessions.count + Self.ticksPerRound - 1) / Self.ticksPerRound
        let end = min(sessions.count, sweepCursor + size)
        // A copy: a sweep may close its session, which removes it from `sessions`.
        let slice = Array(sessions[sweepCursor..<end])
        sweepCursor = end
        let now = MonotonicClock.nanoseconds()
        let wallClock = Date().timeIntervalSince1970
        for session in slice { session.sweep(now: now, wallClock: wallClock) }
    }

    /// Closes every connection with "going away"; used at shutdown.
    func closeAll() {
        sweepTask?.cancel()
        for session in sessions { session.shutdown() }
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
