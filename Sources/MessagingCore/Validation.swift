/// Rules for what clients may store; each returns a sentence for the client, or nil when fine.
public enum Validation {
    /// An absolute http(s) URL with a host, no whitespace or control characters, at most 2048 bytes.
    public static func mediaURLProblem(_ url: String) -> String? {
        guard url.utf8.count <= 2048 else { return "mediaUrl is longer than 2048 characters" }
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") { rest = url.dropFirst(8) } else if lower.hasPrefix("http://") { rest = url.dropFirst(7) } else {
            return "mediaUrl must be an http or https URL"
        }
        if url.unicodeScalars.contains(where: { $0.properties.isWhitespace || isControl($0) || isBidiControl($0) }) {
            return "mediaUrl must not contain spaces, control or text-direction characters"
        }
        let host = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        if host.isEmpty || host.hasPrefix("@") || host.hasPrefix(":") { return "mediaUrl must name a host" }
        // user:pass@host hides the real host from a person reading the link.
        if host.contains("@") { return "mediaUrl must not contain a user name or password" }
        return nil
    }

    /// Printable, 1 to 128 characters: it is echoed back and used as an idempotency key.
    public static func clientMessageIdProblem(_ id: String) -> String? {
        guard (1...128).contains(id.unicodeScalars.count) else { return "clientMessageId must be 1 to 128 characters (code points)" }
        if id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "clientMessageId must not contain control characters"
        }
        return nil
    }

    /// Code points one character (grapheme cluster) may average: a family emoji is 7, a flag 2.
    /// Without this bound, one "character" of 30,000 combining marks would pass a count of 4,000.
    public static let codePointsPerCharacter = 4

    /// Whether `content` is over either bound: `maxCharacters` grapheme clusters, or
    /// `codePointsPerCharacter` times as many code points (what docs/openapi.yaml's maxLength states).
    public static func isTooLong(_ content: String, maxCharacters: Int) -> Bool {
        content.unicodeScalars.count > maxCharacters * codePointsPerCharacter || content.count > maxCharacters
    }

    /// Code points one character may hold: the longest emoji sequences have about ten; beyond
    /// this it is a pile of combining marks or modifiers ("👍" + 15,000 skin tones is one character).
    public static let maxCodePointsInOneCharacter = 32

    /// Content may hold newlines and tabs but no other control characters (C0, DEL, C1), NUL
    /// (which PostgreSQL cannot store in text) or noncharacters; and text made only of invisible
    /// characters (zero-width spaces, joiners) is no text. Empty content is the handler's matter.
    public static func contentProblem(_ content: String, maxCharacters: Int) -> String? {
        if isTooLong(content, maxCharacters: maxCharacters) {
            return "content is longer than \(maxCharacters) characters (or \(maxCharacters * codePointsPerCharacter) code points)"
        }
        if content.unicodeScalars.contains(where: { ($0 != "\n" && $0 != "\t" && $0 != "\r" && isControl($0)) || isNoncharacter($0) }) {
            return "content must not contain control characters or noncharacters"
        }
        if content.contains(where: { $0.unicodeScalars.count > maxCodePointsInOneCharacter }) {
            return "content must not hold a character of more than \(maxCodePointsInOneCharacter) code points (stacked marks or modifiers)"
        }
        if !content.isEmpty && isInvisible(content) { return "content must contain visible text" }
        return nil
    }

    /// C0 controls, DEL and C1 controls (U+0080-U+009F).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// U+FDD0-U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, ...).
    static func isNoncharacter(_ scalar: Unicode.Scalar) -> Bool {
        (0xFDD0...0xFDEF).contains(scalar.value) || scalar.value & 0xFFFE == 0xFFFE
    }

    /// Marks that reorder how text displays (a link could show another address than its real one).
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
            || scalar.value == 0x200E || scalar.value == 0x200F || scalar.value == 0x061C
    }

    /// Default-ignorable code points (zero-width spaces and joiners, variation selectors, word
    /// joiners), perhaps with white space: nothing a person would see. Plain white space is left
    /// to the callers, which trim it (a blank caption removes the caption).
    static func isInvisible(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.isDefaultIgnorableCodePoint && !$0.properties.isWhitespace }
            && text.unicodeScalars.allSatisfy { $0.properties.isWhitespace || $0.properties.isDefaultIgnorableCodePoint }
    }

    /// Group names: 1 to GroupLimits.nameCharacters characters after trimming, no control characters.
    public static func groupNameProblem(_ name: String) -> String? {
        let trimmed = name.trimmingSpaces
        if trimmed.isEmpty { return "name must not be empty" }
        // Counted in code points, as the H2AC script (utf8.len) counts them.
        if trimmed.unicodeScalars.count > GroupLimits.nameCharacters { return "name is longer than \(GroupLimits.nameCharacters) characters" }
        if trimmed.unicodeScalars.contains(where: { isControl($0) || isNoncharacter($0) }) {
            return "name must not contain control characters or noncharacters"
        }
        if isInvisible(trimmed) { return "name must contain visible text" }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }

    public var trimmed: String { trimmingSpaces }
}
