import MessagingCore
import Testing

@Suite struct HeaderValueTests {
    @Test func trimsSpacesAndTabsOnly() {
        #expect(" \t a b \t ".trimmingOptionalWhitespace == "a b")
        #expect("".trimmingOptionalWhitespace == "")
        #expect("  ".trimmingOptionalWhitespace == "")
        #expect("\nx\n".trimmingOptionalWhitespace == "\nx\n")  // not HTTP whitespace
        #expect(" café ".trimmingOptionalWhitespace == "café")
    }

    @Test(arguments: [("Bearer abc.def", "abc.def"), ("bearer abc", "abc"), ("BEARER  abc \t", "abc"), ("BeArEr x", "x")])
    func findsTheBearerToken(_ header: String, _ token: String) {
        #expect(header.bearerToken.map(String.init) == token)
    }

    @Test(arguments: ["", "Bearer", "Bearer ", "Bearer    ", "Basic abc", "Bearerabc", "Token abc", "bearer\tabc"])
    func refusesAnythingElse(_ header: String) {
        #expect(header.bearerToken == nil)
    }
}
