import NIOCore
import NIOWebSocket

/// RFC 6455 frame validation and message assembly for one connection, as a pure state machine:
/// each frame in, one action out. The session performs the action. Kept separate from the
/// channel handler so the rules (and their close codes) are in one place.
struct FrameAssembler {
    enum Action {
        case none
        /// A complete text (UTF-8 validated) or binary message.
        case message(isText: Bool, ByteBuffer)
        case ping(ByteBuffer)
        case pong(ByteBuffer)
        /// The peer started or answered the closing handshake; `code` is nil for an empty close.
        case peerClose(code: UInt16?)
        /// The peer broke the protocol: close with this code (1002, 1007, 1009).
        case fail(WebSocketErrorCode, reason: String)
    }

    let maxMessageBytes: Int
    private var partial: ByteBuffer?
    private var partialIsText = false
    private var validator = UTF8Validator()

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    mutating func consume(_ frame: WebSocketFrame) -> Action {
        // No extension is negotiated, so every reserved bit must be clear.
        if frame.rsv1 || frame.rsv2 || frame.rsv3 { return .fail(.protocolError, reason: "reserved bits set") }
        // Clients must mask every frame (RFC 6455 section 5.1).
        guard frame.maskKey != nil else { return .fail(.protocolError, reason: "unmasked client frame") }
        switch frame.opcode {
        case .text, .binary:
            if partial != nil { return .fail(.protocolError, reason: "new message inside a fragmented one") }
            let isText = frame.opcode == .text
            guard frame.length <= maxMessageBytes else { return .fail(.messageTooLarge, reason: "message too large") }
            let data = frame.unmaskedData
            if isText {
                validator.reset()
                guard data.withUnsafeReadableBytes({ validator.feed($0) }) else {
                    return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8")
                }
            }
            if frame.fin {
                if isText && !validator.isComplete { return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8") }
                return .message(isText: isText, data)
            }
            partial = data
            partialIsText = isText
            return .none
        case .continuation:
            guard var buffer = partial else { return .fail(.protocolError, reason: "continuation without a message") }
            guard buffer.readableBytes + frame.length <= maxMessageBytes else {
                partial = nil
                return .fail(.messageTooLarge, reason: "message too large")
            }
            var data = frame.unmaskedData
            if partialIsText {
                guard data.withUnsafeReadableBytes({ validator.feed($0) }) else {
                    partial = nil
                    return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8")
                }
            }
            partial = nil  // keep the buffer uniquely referenced while appending
            buffer.writeBuffer(&data)
            if frame.fin {
                if partialIsText && !validator.isComplete { return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8") }
                return .message(isText: partialIsText, buffer)
            }
            partial = buffer
            return .none
        case .ping:
            guard frame.fin else { return .fail(.protocolError, reason: "fragmented control frame") }
            return .ping(frame.unmaskedData)
        case .pong:
            guard frame.fin else { return .fail(.protocolError, reason: "fragmented control frame") }
            return .pong(frame.unmaskedData)
        case .connectionClose:
            guard frame.fin else { return .fail(.protocolError, reason: "fragmented control frame") }
            var data = frame.unmaskedData
            if data.readableBytes == 0 { return .peerClose(code: nil) }
            guard let code = data.readInteger(as: UInt16.self) else { return .fail(.protocolError, reason: "close payload of one byte") }
            guard FrameAssembler.isValidCloseCode(code) else { return .fail(.protocolError, reason: "invalid close code") }
            var reasonValidator = UTF8Validator()
            guard data.withUnsafeReadableBytes({ reasonValidator.feed($0) }), reasonValidator.isComplete else {
                return .fail(.dataInconsistentWithMessage, reason: "invalid UTF-8 in close reason")
            }
            return .peerClose(code: code)
        default:
            return .fail(.protocolError, reason: "reserved opcode")
        }
    }

    /// Codes a peer may send (RFC 6455 7.4 and the IANA registry); 1005, 1006 and 1015 are
    /// reserved for reporting and must never appear on the wire.
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }
}
