import JSON
import Testing

@Suite struct JSONParserTests {
    @Test func parsesNestedValuesKeepingKeyOrder() throws {
        let value = try JSON.parse(#"{"b": [1, 2.5, "x", true, null], "a": {"c": -3}}"#)
        #expect(value["b"] == [1, 2.5, "x", true, nil])
        #expect(value["a"]?["c"]?.intValue == -3)
        #expect(value.objectValue?.map(\.0) == ["b", "a"])
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSON.parse(#""tab\t quote\" \u00e9 \ud83d\ude00""#)
        #expect(value == .string("tab\t quote\" é 😀"))
        #expect(try JSON.parse(#""\b\f\r\u00E9\/""#) == .string("\u{08}\u{0C}\ré/"))
    }

    @Test(arguments: [
        "", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "\"\\x\"", "\"\\ud800\"",
        "{} x", "\"a\u{01}b\"", "NaN", "[1e999]",
        "{\"a\":1 \"b\":2}", "{\"a\":1", "[1 2]", "[1", "1e", "1e+", "\"\\ud800\\u0041\"", "\"\\u12\"", "\"\\u12G4\"",
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSON.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func limitsNestingDepth() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
    }

    @Test func distinguishesIntegersFromBooleansAndFractions() throws {
        #expect(try JSON.parse("true").intValue == nil)
        #expect(try JSON.parse("2.0").intValue == 2)
        #expect(try JSON.parse("2.5").intValue == nil)
        #expect(try JSON.parse("9223372036854775807").intValue == Int64.max)
    }

    @Test func serializationRoundTrips() throws {
        let original: JSON = ["text": "line\nbreak \"q\" \u{2028} \u{01}", "n": 5, "list": [true, nil, 1.5], "raw": .raw("{\"x\":1}")]
        let text = original.serialized
        #expect(text.contains("\\u2028") && text.contains("\\u0001"))
        let parsed = try JSON.parse(text)
        #expect(parsed["text"] == original["text"])
        #expect(parsed["raw"]?["x"]?.intValue == 1)
    }
}
