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
    private let loopSessions: LoopSessions
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
    private var registered = false
    private var lastTyping: (conversationId: Int64, at: UInt64)?
    private var typingCommands = 0
    private var typingWindowStart: UInt64 = 0

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
        case .none, .pong:
            break
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
            sendError("invalid_frame", "A frame is a JSON object with a string \"type\".")
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
            let value = parsed["conversationId"]
            if value == nil || value!.isNull {
                _ = commands.submit(.focus(self, conversationId: nil))
            } else if let conversationId = value!.intValue, conversationId > 0 {
                _ = commands.submit(.focus(self, conversationId: conversationId))
            } else {
                sendError("invalid_focus", "focus needs conversationId: a positive integer or null.", type: type)
            }
        default:
            sendError("unknown_type", "Unknown frame type.", type: type)
        }
    }

    private func sendError(_ code: String, _ message: String, type: String? = nil) {
        sendNow(Frames.error(code: code, message: message, requestType: type))
    }

    // MARK: Outbound

    /// Text frames from the listener thread, in order; one flush for the batch.
    func deliver(_ frames: [ByteBuffer]) {
        guard let context, !closeSent else { return }
        for frame in frames {
            context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: frame)), promise: nil)
        }
        context.flush()
        checkBuffered(context)
    }

    /// Encoded text frames from the listener thread, in order; one flush for the batch. Written
    /// past the frame encoder (the same bytes it would produce), else through it.
    func deliver(_ frames: [OutboundFrame]) {
        guard let context, !closeSent else { return }
        if let encoderContext {
            for frame in frames { encoderContext.write(NIOAny(frame.wire), promise: nil) }
        } else {
            for frame in frames {
                context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: frame.payload)), promise: nil)
            }
        }
        context.flush()
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

    init(settings: PushSettings) {
        maxClientMessageBytes = settings.maxClientMessageBytes
        maxEchoMessageBytes = settings.maxEchoMessageBytes
        maxBufferedBytes = settings.maxBufferedBytes
        pingInterval = UInt64(settings.pingIntervalSeconds) * 1_000_000_000
        idleTimeout = UInt64(settings.idleTimeoutSeconds) * 1_000_000_000
        slowReaderGrace = UInt64(settings.slowReaderGraceSeconds) * 1_000_000_000
    }
}
