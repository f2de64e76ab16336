import Logging
import Testing

@testable import Observability

/// Log lines stay one line per event and parseable, whatever a value contains.
@Suite struct LogfmtLogHandlerTests {
    @Test(arguments: [
        ("plain", "plain"), ("", #""""#), ("two words", #""two words""#), ("a=b", #""a=b""#),
        (#"say "hi""#, #""say \"hi\"""#), ("line\nbreak", #""line\nbreak""#), (#"back\slash x"#, #""back\\slash x""#),
    ])
    func valuesAreQuotedWhenTheyWouldBreakTheLine(_ value: String, _ written: String) {
        #expect(LogfmtLogHandler.quote(value) == written)
    }

    @Test func metadataSetOnTheLoggerIsKept() {
        var handler = LogfmtLogHandler(label: "test", process: "test", level: .info)
        handler[metadataKey: "request.id"] = "r1"
        handler[metadataKey: "route"] = "GET /api/health"
        handler[metadataKey: "route"] = nil
        #expect(handler[metadataKey: "request.id"] == "r1" && handler[metadataKey: "route"] == nil)
        #expect(handler.metadata == ["request.id": "r1"])
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(LogfmtLogHandler.timestamp().wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil)
    }
}
