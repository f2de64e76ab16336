import JSON
import MessagingCore
import NIOCore
import Testing

@testable import PushDaemon

/// Who gets an event's frames, with which `h2ac`, and in what order: sessions and hook inputs in,
/// frames per session out (sessions are plain strings here).
@Suite struct EventDispatcherTests {
    typealias Dispatcher = EventDispatcher<String>

    let event = LoggedEvent(id: 7, txid: 100, roomId: 3, kindName: "new_message", payload: #"{"id":7,"content":"hola","senderId":1}"#)

    func session(_ name: String, focus: Int64? = nil, deliveredThrough: LogPosition? = nil) -> Dispatcher.Session {
        Dispatcher.Session(target: name, focusedConversationId: focus, deliveredThrough: deliveredThrough)
    }

    func text(_ frame: OutboundFrame) -> String {
        let payload = frame.payload
        return payload.getString(at: payload.readerIndex, length: payload.readableBytes)!
    }

    func bytes(_ frame: OutboundFrame) -> [UInt8] {
        frame.wire.getBytes(at: frame.wire.readerIndex, length: frame.wire.readableBytes)!
    }

    @Test func recipientsAreConnectedMembersThenExtraRecipientsOnce() {
        let room = RecipientStore.Room(type: "group", name: "Milonga", members: [1: false, 2: true, 3: false])
        let removal = LoggedEvent(id: 8, txid: 101, roomId: 3, kindName: "member_removed", payload: "{}", extraRecipients: [4, 2, 5])
        let connected: Set<Int64> = [1, 2, 4]
        let users = Dispatcher.recipients(of: removal, room: room, isConnected: connected.contains)
        #expect(Set(users.prefix(2)) == [1, 2] && users.dropFirst(2) == [4])
        #expect(Dispatcher.recipients(of: removal, room: nil, isConnected: connected.contains) == [4, 2])
    }

    @Test func unhookedFramesAreOneFrameForEverySessionNotYetServed() {
        let dispatcher = Dispatcher(event: event, sessions: [
            (1, [session("a1"), session("a2", deliveredThrough: LogPosition(txid: 100, id: 7))]),
            (2, [session("b1", deliveredThrough: LogPosition(txid: 99, id: 50))]),
        ])
        let frames = dispatcher.unhooked()
        #expect(frames.map(\.0) == ["a1", "b1"])  // a2 came from a daemon that already sent event 7
        #expect(Set(frames.map { bytes($0.1) }).count == 1)
        #expect(text(frames[0].1) == #"{"type":"new_message","cursor":7,"conversationId":3,"message":{"id":7,"content":"hola","senderId":1}}"#)
    }

    @Test func nobodyLeftToServe() {
        let dispatcher = Dispatcher(event: event, sessions: [(1, [session("a1", deliveredThrough: LogPosition(txid: 200, id: 1))])])
        #expect(dispatcher.isEmpty && dispatcher.unhooked().isEmpty)
    }

    @Test func oneDecisionPerRecipientAndFocusSharedByItsDevices() {
        let dispatcher = Dispatcher(event: event, sessions: [
            (1, [session("a1"), session("a2"), session("a3", focus: 3)]),
            (2, [session("b1")]),
        ])
        let room = RecipientStore.Room(type: "group", name: nil, members: [1: false, 2: true])
        let inputs = Dispatcher.HookInputs(shared: [("event", "new_message")],
                                           unread: [1: RecipientStore.Unread(total: 5, inConversation: 2, muted: false)], room: room)
        var asked: [[(String, JSON)]] = []
        var delivered: [(String, OutboundFrame)] = []
        dispatcher.hooked(inputs, decide: { recipients in
            asked += recipients
            return recipients.map { own in
                let recipient = JSON.object(own)["recipient"]!
                return ["toast": .bool(recipient["focusedConversationId"] == .null), "badge": recipient["unreadTotal"]!, "muted": recipient["muted"]!]
            }
        }, deliver: { delivered += $0 })
        // Slots: (1, none), (1, 3), (2, none). User 2 has no unread row: mute comes from the room.
        #expect(asked.count == 3)
        #expect(delivered.map(\.0) == ["a1", "a2", "a3", "b1"])
        #expect(bytes(delivered[0].1) == bytes(delivered[1].1))
        #expect(text(delivered[0].1).hasSuffix(#","h2ac":{"toast":true,"badge":5,"muted":false}}"#))
        #expect(text(delivered[2].1).hasSuffix(#","h2ac":{"toast":false,"badge":5,"muted":false}}"#))
        #expect(text(delivered[3].1).hasSuffix(#","h2ac":{"toast":true,"badge":0,"muted":true}}"#))
    }

    @Test func decidesAndDeliversInChunks() {
        let users = (1...300).map { Int64($0) }
        let dispatcher = Dispatcher(event: event, sessions: users.map { ($0, [session("s\($0)")]) })
        let inputs = Dispatcher.HookInputs(shared: [], unread: [:], room: nil)
        var chunks: [Int] = []
        var delivered: [[String]] = []
        dispatcher.hooked(inputs, decide: { recipients in
            chunks.append(recipients.count)
            return recipients.map { _ in ["toast": false] }
        }, deliver: { delivered.append($0.map(\.0)) })
        let size = Dispatcher.chunkSize
        #expect(chunks == [size, size, 300 - 2 * size])
        #expect(delivered.map(\.count) == chunks)
        #expect(delivered.flatMap { $0 } == users.map { "s\($0)" })
    }

    /// An event loop, as far as `parts(by:)` cares: an object that owns sessions.
    final class Loop {}

    @Test func partsByLoopKeepEachLoopsSessionsInOrderAndSkipServedOnes() {
        let (first, second) = (Loop(), Loop())
        let dispatcher = Dispatcher(event: event, sessions: [
            (1, [session("b-a1"), session("a-a2")]),
            (2, [session("a-b1", deliveredThrough: LogPosition(txid: 100, id: 7))]),
            (3, [session("b-c1", focus: 3), session("a-c2")]),
        ])
        let parts = dispatcher.parts(by: { $0.hasPrefix("a") ? first : second })
        #expect(parts.count == 2 && parts[0].key === second && parts[1].key === first)
        #expect(parts.map { $0.part.unhooked().map(\.0) } == [["b-a1", "b-c1"], ["a-a2", "a-c2"]])
        // Each part decides for its own sessions only, with the same prefix.
        let inputs = Dispatcher.HookInputs(shared: [], unread: [:], room: nil)
        var asked: [Int64] = []
        var delivered: [String] = []
        parts[0].part.hooked(inputs, decide: { recipients in
            asked += recipients.map { JSON.object($0)["recipient"]!["id"]!.intValue! }
            return recipients.map { _ in ["toast": false] }
        }, deliver: { delivered += $0.map(\.0) })
        #expect(asked == [1, 3] && delivered == ["b-a1", "b-c1"])
        #expect(Dispatcher(event: event, sessions: []).parts(by: { _ in first }).isEmpty)
    }
}
