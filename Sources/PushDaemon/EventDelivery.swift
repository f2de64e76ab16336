import Logging
import MessagingCore

/// A live event read from the log, on the listener thread: its effects on this daemon's state
/// (a deactivated account's sessions end, typing indicators, the recipient cache), then its
/// frames: recipients and hook inputs read here; with a hook, each event loop decides, renders
/// and writes its own sessions' frames (`LoopHooks`), else the one frame goes through the outbox.
final class EventDelivery {
    private let registry: SessionRegistry
    private let cache: RecipientCache
    private let typing: TypingRelay
    private let resume: ResumeCoordinator
    private let logger: Logger
    /// Whether events with a hook get their `h2ac` (off: frames carry none).
    private let hooksEnabled: Bool

    init(registry: SessionRegistry, cache: RecipientCache, typing: TypingRelay, resume: ResumeCoordinator, hooksEnabled: Bool, logger: Logger) {
        self.registry = registry
        self.cache = cache
        self.typing = typing
        self.resume = resume
        self.hooksEnabled = hooksEnabled
        self.logger = logger
    }

    /// One live event: its effects on this daemon's state, then its frames.
    func deliver(_ event: LoggedEvent, connection: DatabaseConnection, outbox: inout Outbox) throws {
        if event.kind == .accountDeactivated {
            closeSessions(of: event.extraRecipients, code: TokenRejection.deactivated.closeCode, reason: TokenRejection.deactivated.code)
            return
        }
        if event.kind == .accountSuspended {
            closeSessions(of: event.extraRecipients, code: TokenRejection.suspendedCloseCode, reason: TokenRejection.suspendedCode)
            return
        }
        if event.kind == .userUpdated, let id = (try? JSON.parse(event.payload))?["user"]?["id"]?.intValue {
            typing.forgetUsername(of: id)
        }
        if event.kind?.changesRoom == true { cache.invalidate(event.roomId) }
        // Room 0 holds events about a user (user_updated): their recipients are listed.
        let room = event.roomId == 0 ? nil : try cache.room(event.roomId, connection: connection)
        if event.kind == .newMessage, typing.isActive(inRoom: event.roomId) {
            typing.messageSent(payload: event.payload, room: event.roomId, registry: registry, cache: cache, outbox: &outbox)
        }
        let users = EventDispatcher<WebSocketSession>.recipients(of: event, room: room, isConnected: registry.hasUser)
        let dispatcher = EventDispatcher(event: event, sessions: users.map { user in
            (user, registry.sessions(of: user)!.map {
                EventDispatcher.Session(target: $0.session, focusedConversationId: $0.focusedConversationId, deliveredThrough: $0.deliveredThrough)
            })
        })
        guard !dispatcher.isEmpty else { return }
        let traced = StageTimeline.isRecording ? event.tracedMessage : 0
        guard hooksEnabled, let hookEvent = event.kind?.hookEvent else {
            send(dispatcher.unhooked(), of: event, traced: traced, outbox: &outbox)
            return
        }
        let inputs: EventDispatcher<WebSocketSession>.HookInputs
        do {
            let parts = try NotificationInputs.eventPart(event, hookEvent, room: room, connection: connection)
            inputs = .init(shared: NotificationInputs.shared(hookEvent, parts: parts),
                           unread: try RecipientStore(connection).unreadCounts(users: users, roomId: event.roomId,
                                                                               actorId: NotificationInputs.actorId(event, hookEvent)),
                           room: room)
        } catch let error as DatabaseError where !error.isConnectionFailure {
            // A hook can never block a delivery: without its input, the frame goes out without `h2ac`.
            logger.error("cannot read the hook's inputs; delivering without h2ac", metadata: ["event.id": "\(event.id)", "error": "\(error)"])
            send(dispatcher.unhooked(), of: event, traced: traced, outbox: &outbox)
            return
        }
        StageTimeline.mark(.inputs, message: traced)
        // Frames queued before this event (typing, presence, a resume's replay) leave first: per
        // loop, tasks run in the order they were submitted.
        outbox.flush()
        for (hooks, part) in dispatcher.parts(by: { $0.loopSessions.hooks }) {
            hooks.submit(HookedShare(dispatcher: part, inputs: inputs, hookEvent: hookEvent, traced: traced))
        }
        StageTimeline.mark(.queued, message: traced)
    }

    /// `traced`: the message whose stage timeline the frames' writes are marked in (0: none).
    private func send(_ frames: [(WebSocketSession, OutboundFrame)], of event: LoggedEvent, traced: Int64, outbox: inout Outbox) {
        for (session, frame) in frames {
            var frame = frame
            frame.tracedMessage = traced
            outbox.add(frame, to: session)
        }
        DaemonMetrics.shared.framesSent(frames.count, eventCreatedAt: event.createdAt)
    }

    /// A deactivated (4003) or suspended (4004) account's sessions end; a later session is checked again.
    private func closeSessions(of users: [Int64], code: UInt16, reason: String) {
        resume.accountsRefused(users)
        for user in users {
            for entry in registry.sessions(of: user).map(Array.init) ?? [] {
                let session = entry.session
                session.eventLoop.execute { session.close(code: .unknown(code), reason: reason) }
            }
        }
        logger.info("closed a refused account's sessions", metadata: ["user.ids": "\(users)", "reason": "\(reason)"])
    }
}

extension LoggedEvent {
    /// The message a `new_message` event carries, for the stage timeline; 0 for other events.
    /// Parses the payload: asked only while the timeline records.
    var tracedMessage: Int64 {
        guard kind == .newMessage else { return 0 }
        return (try? JSON.parse(payload))?["id"]?.intValue ?? 0
    }
}
