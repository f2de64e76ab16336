import MessagingCore
import Testing

@Suite struct ValidationTests {
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

/// Issue 15's validation gaps: each was stored before.
@Suite struct ValidationGapTests {
    @Test func contentIsBoundedInCodePointsToo() {
        #expect(Validation.contentProblem("a" + String(repeating: "\u{301}", count: 30_000), maxCharacters: 4000) != nil)
        #expect(Validation.contentProblem("👍" + String(repeating: "\u{1F3FB}", count: 15_000), maxCharacters: 4000) != nil)
        #expect(Validation.isTooLong(String(repeating: "👨‍👩‍👧", count: 2000), maxCharacters: 4000) == false)  // 5 code points each, 10,000 in all
        #expect(Validation.contentProblem(String(repeating: "é", count: 4000), maxCharacters: 4000) == nil)
    }

    /// Swift string literals cannot hold noncharacters, so these are built from their values.
    static let controlsAndNoncharacters: [String] = [[0x6E, 0x85, 0x6E], [0x61, 0x9F, 0x62], [0x78, 0xFFFE], [0xFFFF], [0xFDD0], [0x1FFFF]].map { values in
        var text = ""
        text.unicodeScalars.append(contentsOf: values.compactMap { Unicode.Scalar($0) })
        return text
    }

    @Test(arguments: controlsAndNoncharacters)
    func controlsAndNoncharactersAreRefused(text: String) {
        #expect(Validation.contentProblem(text, maxCharacters: 4000) != nil)
        #expect(Validation.groupNameProblem(text) != nil)
    }

    @Test(arguments: ["\u{200B}", "\u{200B}\u{200D}\u{2060}", " \u{FEFF} ", "\u{FE0F}"])
    func invisibleOnlyTextIsNoText(text: String) {
        #expect(Validation.contentProblem(text, maxCharacters: 4000) == "content must contain visible text")
        #expect(Validation.groupNameProblem(text) != nil)
    }

    @Test func visibleTextWithJoinersIsFine() {
        #expect(Validation.contentProblem("👨‍👩‍👧 family\tnight\n", maxCharacters: 4000) == nil)
        #expect(Validation.groupNameProblem("Milonga del Ángel 💃") == nil)
    }

    @Test(arguments: ["https://evil.example/\u{202E}gpj.exe", "https://a.example/\u{2066}x", "https://user:pass@cdn.example/a.png",
                      "https://cdn.example@evil.example/a.png"])
    func mediaURLsThatMisleadAreRefused(url: String) {
        #expect(Validation.mediaURLProblem(url) != nil)
    }

    @Test func ordinaryMediaURLsPass() {
        #expect(Validation.mediaURLProblem("https://cdn.example/a.png?size=2@x") == nil)
    }
}
