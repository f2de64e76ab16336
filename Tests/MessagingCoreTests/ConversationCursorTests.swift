import MessagingCore
import Testing

@Suite struct ConversationCursorTests {
    @Test func roundTrips() {
        let cursor = ConversationCursor(activityAt: "2026-11-25 11:55:45.298104+00", roomId: 42)
        #expect(ConversationCursor(encoded: cursor.encoded) == cursor)
    }

    @Test(arguments: ["", "%%%", "bm90LWEtY3Vyc29y", "MjAyNnwxO0RST1AgVEFCTEU", String(repeating: "A", count: 400)])
    func rejectsForeignText(_ text: String) {
        #expect(ConversationCursor(encoded: text) == nil)
    }
}
