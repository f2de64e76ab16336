import MessagingCore
import NIOCore

/// The JSON frames the daemon sends. Event frames are
/// `{"type": <kind>, "cursor": <event id>, "conversationId": <room>, ...data}`; the `h2ac`
/// decision, when there is one, is appended per recipient.
enum Frames {
    private static let allocator = ByteBufferAllocator()

    static func buffer(_ text: String) -> ByteBuffer {
        allocator.buffer(string: text)
    }

    static let pong = buffer(#"{"type":"pong"}"#)

    static func connected(userId: Int64, cursor: Int64) -> ByteBuffer {
        buffer(#"{"type":"connected","userId":\#(userId),"cursor":\#(cursor)}"#)
    }

    static func resyncRequired(cursor: Int64) -> ByteBuffer {
        buffer(#"{"type":"resync_required","cursor":\#(cursor)}"#)
    }

    static func error(code: String, message: String, requestType: String? = nil, conversationId: Int64? = nil) -> ByteBuffer {
        var object: [(String, JSON)] = [("type", "error"), ("code", .string(code)), ("message", .string(message))]
        if let requestType { object.append(("requestType", .string(requestType))) }
        if let conversationId { object.append(("conversationId", .int(conversationId))) }
        return buffer(JSON.object(object).serialized)
    }

    static func typing(conversationId: Int64, userId: Int64, username: String, isTyping: Bool) -> ByteBuffer {
        buffer(JSON.object([
            ("type", "typing"), ("conversationId", .int(conversationId)), ("userId", .int(userId)),
            ("username", .string(username)), ("isTyping", .bool(isTyping)),
        ]).serialized)
    }

    static func presence(userId: Int64, online: Bool, lastSeenAt: String?) -> ByteBuffer {
        buffer(JSON.object([
            ("type", "presence"), ("userId", .int(userId)), ("online", .bool(online)), ("lastSeenAt", JSON(lastSeenAt)),
        ]).serialized)
    }

    /// The frame text of an event without its closing brace, so a per-recipient `h2ac` field can
    /// be appended; `close` finishes it.
    static func eventPrefix(_ event: LoggedEvent) -> String {
        var out = #"{"type":"#
        JSON.string(event.kindName).write(to: &out)
        out += #","cursor":\#(event.id)"#
        // Events about a user rather than a conversation (user_updated) are logged in room 0.
        if event.roomId != 0 { out += #","conversationId":\#(event.roomId)"# }
        switch event.kind {
        case .newMessage, .messageEdited:
            // The payload is the message as REST returns it.
            out += #","message":"# + event.payload
        case .conversationCreated:
            out += #","conversation":"# + event.payload
        default:
            // Other kinds spread their payload object (`message_read`: userId, upToMessageId,
            // readAt; reactions: messageId, userId, emoji, count; kinds added later alike).
            if let parsed = try? JSON.parse(event.payload), case let .object(pairs) = parsed {
                for (key, value) in pairs where key != "type" && key != "cursor" && key != "conversationId" {
                    out += ","
                    JSON.string(key).write(to: &out)
                    out += ":"
                    value.write(to: &out)
                }
            } else {
                out += #","data":"# + event.payload
            }
        }
        return out
    }

    /// A text frame as it goes on the wire (server frames are unmasked, so the bytes are the same
    /// for every recipient): built once, written to many connections without per-connection
    /// encoding (see `WebSocketSession.deliver`).
    static func wire(_ payload: ByteBuffer) -> OutboundFrame {
        let length = payload.readableBytes
        let headerBytes = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10
        var out = allocator.buffer(capacity: headerBytes + length)
        out.writeInteger(UInt8(0x81))  // FIN, text
        if length < 126 {
            out.writeInteger(UInt8(length))
        } else if length <= 0xFFFF {
            out.writeInteger(UInt8(126))
            out.writeInteger(UInt16(length))
        } else {
            out.writeInteger(UInt8(127))
            out.writeInteger(UInt64(length))
        }
        var payload = payload
        out.writeBuffer(&payload)
        return OutboundFrame(wire: out, headerBytes: headerBytes)
    }

    static func close(_ prefix: String, h2ac: JSON?) -> ByteBuffer {
        guard let h2ac else { return buffer(prefix + "}") }
        var out = prefix
        out += #","h2ac":"#
        h2ac.write(to: &out)
        out += "}"
        return buffer(out)
    }
}

/// An encoded text frame (header and payload) shared by the sessions it goes to.
struct OutboundFrame {
    /// Header and payload, ready for the socket.
    let wire: ByteBuffer
    let headerBytes: Int
    /// The message whose stage timeline this frame's write is marked in (0: none; StageTimeline).
    var tracedMessage: Int64 = 0

    /// The frame's text (a view of `wire`, no copy).
    var payload: ByteBuffer {
        wire.getSlice(at: wire.readerIndex + headerBytes, length: wire.readableBytes - headerBytes)!
    }
}
