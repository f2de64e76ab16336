import MessagingCore
import Testing

@Suite struct ValidationTests {
    @Test(arguments: ["👍", "❤️", "❤", "👨‍👩‍👧‍👦", "🇦🇷", "👍🏽", "1️⃣", "🏳️‍🌈", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"])
    func acceptsSingleEmoji(_ emoji: String) {
        #expect(Validation.emojiProblem(emoji) == nil)
    }

    @Test(arguments: ["", "a", "1", "#", "ok", "👍👍", "👍 ", "é", "中", "<script>", "\u{200D}"])
    func rejectsTextAndSeveralEmoji(_ text: String) {
        #expect(Validation.emojiProblem(text) != nil)
    }

    @Test(arguments: ["https://cdn.example.com/a.jpg", "http://example.com", "HTTPS://EXAMPLE.COM/x?y=1#z"])
    func acceptsHTTPMediaURLs(_ url: String) {
        #expect(Validation.mediaURLProblem(url) == nil)
    }

    @Test(arguments: ["ftp://example.com/a", "javascript:alert(1)", "https://", "https:///path", "https://a b.com", "example.com/x",
                      "https://example.com/\n", "data:image/png;base64,xx"])
    func rejectsOtherURLs(_ url: String) {
        #expect(Validation.mediaURLProblem(url) != nil)
    }

    @Test func contentRules() {
        #expect(Validation.contentProblem("hola\nmilonga\t!", maxCharacters: 20) == nil)
        #expect(Validation.contentProblem(String(repeating: "a", count: 21), maxCharacters: 20) != nil)
        #expect(Validation.contentProblem("nul\u{0}", maxCharacters: 20) != nil)
        // Characters, not bytes: four two-byte letters fit in four.
        #expect(Validation.contentProblem("ñáéí", maxCharacters: 4) == nil)
    }

    @Test func clientMessageIdRules() {
        #expect(Validation.clientMessageIdProblem("3f2a-uuid") == nil)
        #expect(Validation.clientMessageIdProblem("") != nil)
        #expect(Validation.clientMessageIdProblem(String(repeating: "x", count: 129)) != nil)
        #expect(Validation.clientMessageIdProblem("a\tb") != nil)
    }

    @Test func groupNameRules() {
        #expect(Validation.groupNameProblem("Milonga del Sábado") == nil)
        #expect(Validation.groupNameProblem("   ") != nil)
        #expect(Validation.groupNameProblem(String(repeating: "n", count: 101)) != nil)
    }
}
