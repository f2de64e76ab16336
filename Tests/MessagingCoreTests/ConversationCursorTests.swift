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

@Suite struct SearchSnippetTests {
    @Test func marksTheMatchFoldingCaseAndAccents() {
        #expect(SearchSnippet.make(content: "¡Vamos a la Milongá!", query: "milonga") == "¡Vamos a la <mark>Milongá</mark>!")
        #expect(SearchSnippet.make(content: "mon cœur", query: "coeur") == "mon <mark>cœur</mark>")
        #expect(SearchSnippet.make(content: "żółw", query: "zolw") == "<mark>żółw</mark>")
    }

    @Test func escapesHTMLAroundTheMark() {
        #expect(SearchSnippet.make(content: "<b>tango</b> & vals", query: "tango") == "&lt;b&gt;<mark>tango</mark>&lt;/b&gt; &amp; vals")
    }

    @Test func shortensLongTextAroundTheMatch() {
        let content = String(repeating: "a ", count: 100) + "milonga" + String(repeating: " b", count: 100)
        let snippet = SearchSnippet.make(content: content, query: "milonga", radius: 10)
        #expect(snippet.hasPrefix("…") && snippet.hasSuffix("…") && snippet.contains("<mark>milonga</mark>"))
    }

    @Test func withoutAMatchTheStartIsShown() {
        #expect(SearchSnippet.make(content: "short & sweet", query: "zebra") == "short &amp; sweet")
        #expect(SearchSnippet.make(content: "abcdefghij", query: "", radius: 2) == "abcd…")
    }
}
