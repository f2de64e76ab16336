import NIOCore
import NIOWebSocket
import Testing

@testable import PushDaemon

/// RFC 6455 rules for client frames, each with the close code the daemon answers with.
@Suite struct FrameAssemblerTests {
    func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, masked: Bool = true, rsv1: Bool = false) -> WebSocketFrame {
        let mask: WebSocketMaskingKey? = masked ? WebSocketMaskingKey([1, 2, 3, 4]) : nil
        var data = ByteBuffer(bytes: bytes)
        if let mask { data.webSocketMask(mask) }
        return WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, maskKey: mask, data: data)
    }

    func failureCode(_ action: FrameAssembler.Action) -> WebSocketErrorCode? {
        if case let .fail(code, _) = action { return code }
        return nil
    }

    @Test func assemblesFragmentedText() {
        var assembler = FrameAssembler(maxMessageBytes: 1024)
        let text = Array("¡hola milonga!".utf8)
        if case .none = assembler.consume(frame(.text, Array(text[0..<3]), fin: false)) {} else { Issue.record("expected no action yet") }
        guard case let .message(isText, data) = assembler.consume(frame(.continuation, Array(text[3...]))) else {
            Issue.record("expected a message")
            return
        }
        #expect(isText && data.getString(at: 0, length: data.readableBytes) == "¡hola milonga!")
    }

    @Test func refusesProtocolViolations() {
        var assembler = FrameAssembler(maxMessageBytes: 1024)
        #expect(failureCode(assembler.consume(frame(.text, [0x41], masked: false))) == .protocolError)
        #expect(failureCode(assembler.consume(frame(.text, [0x41], rsv1: true))) == .protocolError)
        #expect(failureCode(assembler.consume(frame(.continuation, [0x41]))) == .protocolError)
        #expect(failureCode(assembler.consume(frame(.ping, [], fin: false))) == .protocolError)
        #expect(failureCode(assembler.consume(frame(.connectionClose, [0x03, 0xED]))) == .protocolError)  // 1005 is reserved
    }

    @Test func refusesInvalidUTF8AndOversizedMessages() {
        var assembler = FrameAssembler(maxMessageBytes: 8)
        #expect(failureCode(assembler.consume(frame(.text, [0xC3, 0x28]))) == .dataInconsistentWithMessage)
        #expect(failureCode(assembler.consume(frame(.text, Array(repeating: 0x41, count: 9)))) == .messageTooLarge)
        var fragmented = FrameAssembler(maxMessageBytes: 8)
        _ = fragmented.consume(frame(.text, Array(repeating: 0x41, count: 5), fin: false))
        #expect(failureCode(fragmented.consume(frame(.continuation, Array(repeating: 0x41, count: 5)))) == .messageTooLarge)
    }

    @Test func assemblesAMessageOfThreeFragments() {
        var assembler = FrameAssembler(maxMessageBytes: 1024)
        let text = Array("东京 tango".utf8)
        _ = assembler.consume(frame(.text, Array(text[0..<2]), fin: false))  // splits the first character
        if case .none = assembler.consume(frame(.continuation, Array(text[2..<5]), fin: false)) {} else { Issue.record("expected no action yet") }
        guard case let .message(_, data) = assembler.consume(frame(.continuation, Array(text[5...]))) else {
            Issue.record("expected a message")
            return
        }
        #expect(data.getString(at: 0, length: data.readableBytes) == "东京 tango")
    }

    @Test func refusesAMessageInsideAFragmentedOneAndTextEndingMidCharacter() {
        var assembler = FrameAssembler(maxMessageBytes: 1024)
        _ = assembler.consume(frame(.text, [0x41], fin: false))
        #expect(failureCode(assembler.consume(frame(.text, [0x42]))) == .protocolError)
        var truncated = FrameAssembler(maxMessageBytes: 1024)
        _ = truncated.consume(frame(.text, [0x41], fin: false))
        #expect(failureCode(truncated.consume(frame(.continuation, [0xE2, 0x82]))) == .dataInconsistentWithMessage)
        var single = FrameAssembler(maxMessageBytes: 1024)
        #expect(failureCode(single.consume(frame(.text, [0xE2, 0x82]))) == .dataInconsistentWithMessage)
    }

    @Test func readsTheCloseFrame() {
        var assembler = FrameAssembler(maxMessageBytes: 1024)
        guard case .peerClose(code: nil) = assembler.consume(frame(.connectionClose, [])) else { Issue.record("expected a bare close"); return }
        guard case .peerClose(code: 1000) = assembler.consume(frame(.connectionClose, [0x03, 0xE8] + Array("bye".utf8))) else {
            Issue.record("expected close 1000")
            return
        }
        #expect(failureCode(assembler.consume(frame(.connectionClose, [0x03]))) == .protocolError)
        #expect(failureCode(assembler.consume(frame(.connectionClose, [0x03, 0xE8, 0xC3, 0x28]))) == .dataInconsistentWithMessage)
        #expect(failureCode(assembler.consume(frame(.connectionClose, [0x03, 0xE8], fin: false))) == .protocolError)
        #expect(failureCode(assembler.consume(frame(.pong, [], fin: false))) == .protocolError)
    }

    @Test func closeCodesFollowTheRegistry() {
        #expect(FrameAssembler.isValidCloseCode(1000) && FrameAssembler.isValidCloseCode(4001))
        #expect(!FrameAssembler.isValidCloseCode(1005) && !FrameAssembler.isValidCloseCode(1006) && !FrameAssembler.isValidCloseCode(999))
    }
}

@Suite struct UTF8ValidatorTests {
    func valid(_ chunks: [[UInt8]]) -> Bool {
        var validator = UTF8Validator()
        for chunk in chunks {
            guard chunk.withUnsafeBytes({ validator.feed($0) }) else { return false }
        }
        return validator.isComplete
    }

    @Test func acceptsTextSplitAnywhere() {
        let bytes = Array("Milongá 東京 😀".utf8)
        for split in 0...bytes.count {
            #expect(valid([Array(bytes[..<split]), Array(bytes[split...])]))
        }
    }

    @Test(arguments: [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xE2, 0x82]] as [[UInt8]])
    func refusesOverlongSurrogatesOutOfRangeAndTruncated(_ bytes: [UInt8]) {
        #expect(!valid([bytes]))
    }
}
