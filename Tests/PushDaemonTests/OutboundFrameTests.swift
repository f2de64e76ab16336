import JSON
import NIOCore
import Testing

@testable import PushDaemon

/// Encoded frames (`Frames.wire`) are written past NIO's frame encoder, so they must be exactly
/// the unmasked RFC 6455 text frames it would produce; and frames shared between recipients must
/// match the decision each recipient got.
@Suite struct OutboundFrameTests {
    func bytes(_ buffer: ByteBuffer) -> [UInt8] {
        buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes)!
    }

    @Test(arguments: [0, 1, 125, 126, 127, 65535, 65536, 70000])
    func wireFrameHeader(length: Int) {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0) })
        let frame = Frames.wire(payload)
        let wire = bytes(frame.wire)
        var header: [UInt8] = [0x81]
        if length < 126 {
            header.append(UInt8(length))
        } else if length <= 0xFFFF {
            header += [126, UInt8(length >> 8), UInt8(length & 0xFF)]
        } else {
            header.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { header.append(UInt8((length >> shift) & 0xFF)) }
        }
        #expect(frame.headerBytes == header.count)
        #expect(Array(wire[..<header.count]) == header)
        #expect(Array(wire[header.count...]) == bytes(payload))
        #expect(frame.payload == payload)
    }

    @Test func wireKeepsTheText() {
        let text = #"{"type":"new_message","message":{"id":7,"content":"¡hola milonga!"}}"#
        let frame = Frames.wire(Frames.buffer(text))
        #expect(frame.payload.getString(at: frame.payload.readerIndex, length: frame.payload.readableBytes) == text)
    }

    func text(_ frame: OutboundFrame) -> String {
        let payload = frame.payload
        return payload.getString(at: payload.readerIndex, length: payload.readableBytes)!
    }

    func decision(total: Int64, toast: String?) -> JSON {
        .object([
            ("toast", toast.map { .object([("title", .string($0)), ("body", "hi")]) } ?? .null),
            ("badge", .object([("total", .int(total)), ("conversation", .int(1))])),
            ("sound", toast == nil ? .null : "message"),
            ("scroll", .bool(false)),
        ])
    }

    /// Every recipient gets the frame its own decision renders to, whether it was rendered for
    /// it or shared, also with more distinct decisions than are remembered.
    @Test func sharedFramesMatchEachDecision() {
        let prefix = #"{"type":"new_message","cursor":5,"conversationId":3"#
        var rendered = RenderedFrames(prefix: prefix)
        var decisions: [JSON?] = [nil]
        for i in 0..<40 { decisions.append(decision(total: Int64(i % 13), toast: i % 3 == 0 ? nil : "Ana \(i % 2)")) }
        decisions += decisions.reversed()
        for decision in decisions {
            let expected = Frames.close(prefix, h2ac: decision)
            #expect(text(rendered.frame(for: decision)) == expected.getString(at: expected.readerIndex, length: expected.readableBytes)!)
        }
    }

    /// Decisions that JSON's == calls equal but that serialize differently get their own frames.
    @Test func onlyByteIdenticalDecisionsShare() {
        let prefix = #"{"type":"new_message""#
        var rendered = RenderedFrames(prefix: prefix)
        func own(_ decision: JSON) -> [UInt8] {
            let frame = Frames.close(prefix, h2ac: decision)
            return frame.getBytes(at: frame.readerIndex, length: frame.readableBytes)!
        }
        for (first, second) in [
            (decision(total: 1, toast: "Jos\u{E9}"), decision(total: 1, toast: "Jose\u{301}")),
            (JSON.object([("x", .double(0.0))]), JSON.object([("x", .double(-0.0))])),
        ] {
            #expect(first == second)  // what JSON's == says
            let a = rendered.frame(for: first), b = rendered.frame(for: second)
            #expect(bytes(a.payload) == own(first))
            #expect(bytes(b.payload) == own(second))
            #expect(bytes(a.payload) != bytes(b.payload))
        }
        #expect(RenderedFrames.identical(decision(total: 1, toast: "a"), decision(total: 1, toast: "a")))
        #expect(!RenderedFrames.identical(decision(total: 1, toast: "a"), nil))
        // Byte comparison: same length differing in the last byte, empty, and heap-allocated text.
        let long = String(repeating: "milonga ", count: 8)
        #expect(RenderedFrames.identical(decision(total: 1, toast: long + "a"), decision(total: 1, toast: String(long + "a"))))
        #expect(!RenderedFrames.identical(decision(total: 1, toast: long + "a"), decision(total: 1, toast: long + "b")))
        #expect(!RenderedFrames.identical(decision(total: 1, toast: ""), decision(total: 1, toast: "a")))
        #expect(RenderedFrames.identical(decision(total: 1, toast: ""), decision(total: 1, toast: "")))
    }

    @Test func equalDecisionsShareOneBuffer() {
        var rendered = RenderedFrames(prefix: #"{"type":"new_message""#)
        let first = rendered.frame(for: decision(total: 2, toast: "Ana"))
        let second = rendered.frame(for: decision(total: 2, toast: "Ana"))
        let other = rendered.frame(for: decision(total: 3, toast: "Ana"))
        first.wire.withUnsafeReadableBytes { a in
            second.wire.withUnsafeReadableBytes { b in #expect(a.baseAddress == b.baseAddress) }
            other.wire.withUnsafeReadableBytes { c in #expect(a.baseAddress != c.baseAddress) }
        }
        #expect(text(first) != text(other))
    }
}
