import Foundation
import Logging
import MessagingCore
import NIOCore
import NIOWebSocket

/// One upgraded WebSocket connection: frame validation (through `FrameAssembler`), the closing
/// handshake, protocol and JSON pings, the client's commands, and outbound frames with a bounded
/// buffer. Everything here runs on the channel's event loop; the listener thread reaches a session
/// only through `eventLoop.execute` (see `SessionRegistry`), hence `@unchecked Sendable`.
final class WebSocketSession: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    enum Mode: Equatable {
        /// The notification stream of one user; `since` is the client's resume cursor.
        case push(userId: Int64, since: Int64?)
        /// Test-only: echoes every message, through the same frame handling.
        case echo
        /// The token or the account was refused: closed at once with this code (4001-4003).
        case refused(closeCode: UInt16, reason: String)
    }

    let id: UInt64
    let mode: Mode
    let eventLoop: EventLoop
    private let policy: SessionPolicy
    private let commands: CommandQueue
    /// This loop's sessions and hook state (`LoopHooks` delivers hooked events through it).
    let loopSessions: LoopSessions
    private let logger: Logger

    private var context: ChannelHandlerContext?
    /// The frame encoder's context: encoded frames (`OutboundFrame`) are written from there, past
    /// the encoder, in order with the frames written through it.
    private var encoderContext: ChannelHandlerContext?
    private var assembler: FrameAssembler
    private var closeSent = false
    private var closeDeadline: UInt64?
    private var lastInbound: UInt64
    private var lastPing: UInt64 = 0
    private var unwritableSince: UInt64?
    /// What the client has acknowledged reading (push mode only): see `DeliveryProbes`.
    private var probes: DeliveryProbes
    private var registered = false
    private var lastTyping: (conversationId: Int64, at: UInt64)?
    private var typingCommands = 0
    private var typingWindowStart: UInt64 = 0
    /// Commands this connection may still send (`CommandBudget`); beyond it they are dropped,
    /// except the latest focus, kept here and applied when the budget allows (`sweep`).
    private var commandBudget = CommandBudget(perSecond: 20, burst: 40)
    private var pendingFocus: Int64??
    private var lastBudgetWarning: UInt64 = 0

    var userId: Int64 {
        if case let .push(userId, _) = mode { return userId }
        return 0
    }

    /// Seconds since 1970 when the access token expires: the stream ends then (close code 4002).
    private let tokenExpiresAt: Double

    init(mode: Mode, eventLoop: EventLoop, policy: SessionPolicy, commands: CommandQueue, loopSessions: LoopSessions, logger: Logger,
         tokenExpiresAt: Double = .infinity) {
        self.tokenExpiresAt = tokenExpiresAt
        self.id = SessionIds.next()
        self.mode = mode
        self.eventLoop = eventLoop
        self.policy = policy
        self.commands = commands
        self.loopSessions = loopSessions
        self.logger = logger
        self.assembler = FrameAssembler(maxMessageBytes: mode == .echo ? policy.maxEchoMessageBytes : policy.maxClientMessageBytes)
        self.lastInbound = MonotonicClock.nanoseconds()
        self.probes = DeliveryProbes(probeEvery: policy.probeEveryBytes)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        encoderContext = try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        loopSessions.add(self)
        if case let .refused(code, reason) = mode {
            close(code: .unknown(code), reason: reason)
            return
        }
        if case let .push(userId, since) = mode {
            DaemonMetrics.shared.clientConnected()
            registered = commands.submit(.register(self, userId: userId, since: since))
            if !registered {
                logger.warning("command queue full; refusing connection", metadata: ["session.id": "\(id)", "user.id": "\(userId)"])
                close(code: .unknown(1013), reason: "try again later")
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    private func finish() {
        guard context != nil else { return }
        context = nil
        encoderContext = nil
        loopSessions.remove(self)
        if case .push = mode { DaemonMetrics.shared.clientDisconnected() }
        if registered {
            registered = false
            commands.submitAlways(.unregister(self))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastInbound = MonotonicClock.nanoseconds()
        switch assembler.consume(frame) {
        case .none:
            break
        case let .pong(payload):
            probes.received(pong: payload)
        case let .ping(payload):
            guard !closeSent else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
        case let .peerClose(code):
            if closeSent {
                // Our close was answered: the handshake is complete, the server closes TCP.
                context.close(promise: nil)
            } else {
                closeSent = true
                var data = context.channel.allocator.buffer(capacity: 2)
                if let code { data.writeInteger(code) }
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
                    .whenComplete { [weak self] _ in self?.context?.close(promise: nil) }
            }
        case let .fail(code, reason):
            logger.info("closing connection on a protocol error", metadata: [
                "session.id": "\(id)", "ws.close_code": "\(UInt16(webSocketErrorCode: code))", "ws.reason": "\(reason)",
            ])
            fail(code: code)
        case let .message(isText, payload):
            guard !closeSent else { return }
            switch mode {
            case .echo:
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: isText ? .text : .binary, data: payload)), promise: nil)
            case .refused:
                break
            case .push:
                guard isText else {
                    fail(code: .unacceptableData)
                    return
                }
                handleCommand(payload)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Decoder errors (oversized frame, bad control frame) were answered with a close frame by
        // NIO's WebSocketProtocolErrorHandler; anything else ends this connection only.
        if !(error is NIOWebSocketError) {
            logger.debug("connection error", metadata: ["session.id": "\(id)", "error": "\(error)"])
        }
        closeSent = true
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        unwritableSince = context.channel.isWritable ? nil : MonotonicClock.nanoseconds()
        context.fireChannelWritabilityChanged()
    }

    // MARK: Client commands

    private func handleCommand(_ payload: ByteBuffer) {
        let parsed: JSON
        do {
            parsed = try JSON.parse(Array(payload.readableBytesView), maxDepth: 8)
        } catch {
            fail(code: .dataInconsistentWithMessage)
            return
        }
        guard case .object = parsed, let type = parsed["type"]?.stringValue else {
            guard withinBudget() else { return }
            sendError("invalid_frame", "A frame is a JSON object with a string \"type\".")
            return
        }
        guard withinBudget() else {
            // Focus is state, not an event: the latest one still counts, a little later.
            if type == "focus", let focus = Self.focusTarget(parsed) { pendingFocus = .some(focus) }
            return
        }
        switch type {
        case "ping":
            sendNow(Frames.pong)
        case "typing":
            guard let conversationId = parsed["conversationId"]?.intValue, conversationId > 0,
                  let isTyping = parsed["isTyping"]?.boolValue
            else {
                sendError("invalid_typing", "typing needs a positive integer conversationId and a boolean isTyping.", type: type)
                return
            }
            let now = MonotonicClock.nanoseconds()
            // A held key refreshes about once a second; repeats within the second add nothing.
            if isTyping, let last = lastTyping, last.conversationId == conversationId, now - last.at < 1_000_000_000 { return }
            // At most 20 typing commands per second per connection reach the listener.
            if now - typingWindowStart > 1_000_000_000 { typingWindowStart = now; typingCommands = 0 }
            typingCommands += 1
            guard typingCommands <= 20 else { return }
            lastTyping = isTyping ? (conversationId, now) : nil
            _ = commands.submit(.typing(self, conversationId: conversationId, isTyping: isTyping))
        case "focus":
            if let focus = Self.focusTarget(parsed) {
                pendingFocus = nil
                _ = commands.submit(.focus(self, conversationId: focus))
            } else {
                sendError("invalid_focus", "focus needs conversationId: a positive integer or null.", type: type)
            }
        default:
            sendError("unknown_type", "Unknown frame type.", type: type)
        }
    }

    /// A focus command's conversation: `.some(nil)` for none, nil when the command is invalid.
    private static func focusTarget(_ parsed: JSON) -> Int64?? {
        let value = parsed["conversationId"]
        if value == nil || value!.isNull { return .some(nil) }
        if let conversationId = value!.intValue, conversationId > 0 { return .some(conversationId) }
        return nil
    }

    /// Takes a command's token; when none is left the command is dropped, and the client hears
    /// so at most once a second (an answer to every dropped command would be a flood of its own).
    private func withinBudget() -> Bool {
        let now = MonotonicClock.nanoseconds()
        if commandBudget.take(now: now) { return true }
        if now &- lastBudgetWarning >= 1_000_000_000 {
            lastBudgetWarning = now
            sendError("rate_limited", "Too many commands on this connection (at most 20 a second); some were dropped.")
        }
        return false
    }

    private func sendError(_ code: String, _ message: String, type: String? = nil) {
        sendNow(Frames.error(code: code, message: message, requestType: type))
    }

    // MARK: Outbound

    /// Text frames from the listener thread, in order; one flush for the batch.
    func deliver(_ frames: [ByteBuffer]) {
        guard let context, !closeSent else { return }
        var bytes = 0
        for frame in frames {
            bytes += frame.readableBytes
            context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: frame)), promise: nil)
        }
        finishWrite(context, bytes: bytes)
    }

    /// Encoded text frames from the listener thread, in order; one flush for the batch.
    func deliver(_ frames: [OutboundFrame]) {
        guard let context, !closeSent else { return }
        var bytes = 0
        for frame in frames { bytes += write(frame, context) }
        finishWrite(context, bytes: bytes)
        for frame in frames where frame.tracedMessage != 0 { StageTimeline.mark(.written, message: frame.tracedMessage) }
    }

    /// One encoded text frame (an event's, from `LoopHooks`), flushed at once.
    func deliver(_ frame: OutboundFrame) {
        guard let context, !closeSent else { return }
        finishWrite(context, bytes: write(frame, context))
    }

    /// Writes past the frame encoder (the same bytes it would produce), else through it; returns
    /// the bytes written.
    private func write(_ frame: OutboundFrame, _ context: ChannelHandlerContext) -> Int {
        if let encoderContext {
            encoderContext.write(NIOAny(frame.wire), promise: nil)
        } else {
            context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: frame.payload)), promise: nil)
        }
        return frame.wire.readableBytes
    }

    /// After writing a batch: a probe when one is due (behind the batch, so its pong acknowledges
    /// it), one flush, then the slow-reader checks.
    private func finishWrite(_ context: ChannelHandlerContext, bytes: Int) {
        if case .push = mode, let probe = probes.wrote(bytes, now: MonotonicClock.nanoseconds()) {
            context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: probe)), promise: nil)
        }
        context.flush()
        if probes.unacknowledgedBytes > policy.maxUnacknowledgedBytes {
            disconnectSlowReader(bufferedBytes: (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0)
            return
        }
        checkBuffered(context)
    }

    private func sendNow(_ frame: ByteBuffer) {
        deliver([frame])
    }

    private func checkBuffered(_ context: ChannelHandlerContext) {
        guard !context.channel.isWritable,
              let buffered = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes),
              buffered > policy.maxBufferedBytes
        else { return }
        disconnectSlowReader(bufferedBytes: buffered)
    }

    private func disconnectSlowReader(bufferedBytes: Int) {
        logger.warning("disconnecting a slow reader", metadata: [
            "session.id": "\(id)", "user.id": "\(userId)", "buffered_bytes": "\(bufferedBytes)",
            "unacknowledged_bytes": "\(probes.unacknowledgedBytes)",
        ])
        // The close frame would wait behind the backlog it is meant to end: drop the connection.
        closeSent = true
        context?.close(promise: nil)
    }

    /// "Fail the WebSocket connection" (RFC 6455 7.1.7): a close frame with the code, then the TCP
    /// connection is closed at once, without waiting for the peer's answer.
    private func fail(code: WebSocketErrorCode) {
        guard let context, !closeSent else { return }
        closeSent = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenComplete { [weak self] _ in self?.context?.close(promise: nil) }
    }

    /// Starts the closing handshake; the connection is dropped if the peer does not answer.
    func close(code: WebSocketErrorCode, reason: String?) {
        guard let context, !closeSent else { return }
        closeSent = true
        var data = context.channel.allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        data.write(webSocketErrorCode: code)
        if let reason { data.writeString(reason) }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        closeDeadline = MonotonicClock.nanoseconds() + 2_000_000_000
    }

    /// Called by `LoopSessions` every few seconds: pings, dead peers, slow readers, close deadlines.
    func sweep(now: UInt64, wallClock: Double) {
        guard let context else { return }
        if wallClock >= tokenExpiresAt && !closeSent {
            logger.info("access token expired; closing", metadata: ["session.id": "\(id)", "user.id": "\(userId)"])
            close(code: .unknown(TokenRejection.expired.closeCode), reason: TokenRejection.expired.code)
            return
        }
        if let deadline = closeDeadline, now >= deadline {
            context.close(promise: nil)
            return
        }
        let idle = now &- lastInbound
        if idle > policy.idleTimeout {
            logger.info("closing an unresponsive connection", metadata: ["session.id": "\(id)", "user.id": "\(userId)"])
            close(code: .goingAway, reason: "ping timeout")
            closeSent = true
            context.close(promise: nil)
            return
        }
        if let since = unwritableSince, now &- since > policy.slowReaderGrace {
            let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
            disconnectSlowReader(bufferedBytes: buffered)
            return
        }
        if let waited = probes.oldestWait(now: now), waited > policy.slowReaderGrace {
            disconnectSlowReader(bufferedBytes: (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0)
            return
        }
        if let focus = pendingFocus, !closeSent, commandBudget.take(now: now) {
            pendingFocus = nil
            _ = commands.submit(.focus(self, conversationId: focus))
        }
        let interval = policy.pingInterval
        if !closeSent && idle >= interval && now &- lastPing >= interval {
            lastPing = now
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
        }
    }

    /// Graceful shutdown: a normal "going away" close.
    func shutdown() {
        close(code: .goingAway, reason: "server shutting down")
    }
}

/// The limits every session applies: one shared instance, so a session holds a reference, not a
/// copy of the settings (memory per idle connection matters at tens of thousands).
final class SessionPolicy: Sendable {
    let maxClientMessageBytes: Int
    let maxEchoMessageBytes: Int
    let maxBufferedBytes: Int
    let pingInterval: UInt64
    let idleTimeout: UInt64
    let slowReaderGrace: UInt64
    /// A probe ping after this many bytes written (`DeliveryProbes`).
    let probeEveryBytes = 64 * 1024
    /// Written and not acknowledged by the client (wherever the bytes wait: here, in nginx, in
    /// the kernels): past this the client is disconnected. Twice the buffered limit leaves room
    /// for one resume's replay (2 MiB) in flight to a healthy client.
    let maxUnacknowledgedBytes: Int

    init(settings: PushSettings) {
        maxClientMessageBytes = settings.maxClientMessageBytes
        maxEchoMessageBytes = settings.maxEchoMessageBytes
        maxBufferedBytes = settings.maxBufferedBytes
        pingInterval = UInt64(settings.pingIntervalSeconds) * 1_000_000_000
        idleTimeout = UInt64(settings.idleTimeoutSeconds) * 1_000_000_000
        slowReaderGrace = UInt64(settings.slowReaderGraceSeconds) * 1_000_000_000
        maxUnacknowledgedBytes = 2 * settings.maxBufferedBytes
    }
}
