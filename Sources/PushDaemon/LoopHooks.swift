import Foundation
import Hooks
import MessagingCore
import NIOCore

/// One event for the sessions of one event loop, with the hook's inputs the listener read for it.
struct HookedShare: Sendable {
    let dispatcher: EventDispatcher<WebSocketSession>
    let inputs: EventDispatcher<WebSocketSession>.HookInputs
    let hookEvent: HookEvent
    /// The message whose stage timeline the loop marks (0: none; StageTimeline).
    let traced: Int64
}

/// The H2AC work of one event loop: its own decider (a Lua state per loop, made on the loop's own
/// thread and never touched by another), which decides, renders and writes an event's frames for
/// this loop's sessions. The listener thread reads each event's inputs once and hands every loop
/// its share (`EventDelivery`), so the per-recipient hook calls and frames run on all the loops
/// at once instead of one after another on the listener. Each state checks the scripts' files
/// itself, so a hot reload reaches every loop; each state's overrun breaker guards its own loop.
final class LoopHooks: @unchecked Sendable {  // confined to `eventLoop`, except `init`
    private let eventLoop: EventLoop
    private let makeDecider: @Sendable () -> NotificationDecider?
    private var decider: NotificationDecider?
    private var prepared = false

    init(eventLoop: EventLoop, makeDecider: @escaping @Sendable () -> NotificationDecider?) {
        self.eventLoop = eventLoop
        self.makeDecider = makeDecider
    }

    /// Loads the scripts now rather than on the first event (run on the loop at start-up).
    func prepare() {
        eventLoop.preconditionInEventLoop()
        guard !prepared else { return }
        prepared = true
        decider = makeDecider()
    }

    /// From any thread: queues the share on the loop, behind every task submitted before it.
    func submit(_ share: HookedShare) {
        eventLoop.execute { self.deliver(share) }
    }

    /// Decides, renders and writes one event's frames for this loop's sessions, chunk by chunk.
    private func deliver(_ share: HookedShare) {
        prepare()
        let createdAt = share.dispatcher.event.createdAt
        guard let decider else {
            Self.write(share.dispatcher.unhooked(), eventCreatedAt: createdAt, traced: share.traced)
            return
        }
        share.dispatcher.hooked(share.inputs, decide: {
            decider.decisions(for: share.hookEvent, shared: share.inputs.shared, recipients: $0)
        }, deliver: { frames in
            StageTimeline.mark(.decided, message: share.traced)
            Self.write(frames, eventCreatedAt: createdAt, traced: share.traced)
        })
    }

    private static func write(_ frames: [(WebSocketSession, OutboundFrame)], eventCreatedAt: Date?, traced: Int64) {
        for (session, frame) in frames {
            session.deliver(frame)
            if traced != 0 { StageTimeline.mark(.written, message: traced) }
        }
        DaemonMetrics.shared.framesSent(frames.count, eventCreatedAt: eventCreatedAt)
    }
}
