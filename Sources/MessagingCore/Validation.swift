/// Rules for what clients may store; each returns a sentence for the client, or nil when fine.
public enum Validation {
    /// One emoji: a single grapheme cluster made only of emoji scalars and their joiners,
    /// variation selectors, skin-tone modifiers, keycaps and tags. Plain digits, letters,
    /// punctuation and text are refused even though Unicode marks some ASCII as emoji (keycap bases).
    public static func emojiProblem(_ text: String) -> String? {
        guard text.count == 1, let character = text.first else { return "emoji must be exactly one emoji" }
        let scalars = Array(character.unicodeScalars)
        guard scalars.count <= 16, let first = scalars.first else { return "emoji must be exactly one emoji" }
        let isKeycap = scalars.contains("\u{20E3}")
        if first.isASCII && !isKeycap { return "emoji must be an emoji, not text" }
        for scalar in scalars {
            let p = scalar.properties
            let joinerOrModifier = scalar == "\u{200D}" || scalar == "\u{FE0F}" || scalar == "\u{FE0E}" || scalar == "\u{20E3}"
                || (0xE0020...0xE007F).contains(scalar.value) || p.isEmojiModifier
            if !(p.isEmoji || joinerOrModifier) { return "emoji must be an emoji, not text" }
        }
        if !first.properties.isEmoji { return "emoji must be an emoji, not text" }
        return nil
    }

    /// An absolute http(s) URL with a host, no whitespace or control characters, at most 2048 bytes.
    public static func mediaURLProblem(_ url: String) -> String? {
        guard url.utf8.count <= 2048 else { return "mediaUrl is longer than 2048 characters" }
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") { rest = url.dropFirst(8) } else if lower.hasPrefix("http://") { rest = url.dropFirst(7) } else {
            return "mediaUrl must be an http or https URL"
        }
        if url.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            return "mediaUrl must not contain spaces or control characters"
        }
        let host = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        if host.isEmpty || host.hasPrefix("@") || host.hasPrefix(":") { return "mediaUrl must name a host" }
        return nil
    }

    /// Printable, 1 to 128 characters: it is echoed back and used as an idempotency key.
    public static func clientMessageIdProblem(_ id: String) -> String? {
        guard (1...128).contains(id.count) else { return "clientMessageId must be 1 to 128 characters" }
        if id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "clientMessageId must not contain control characters"
        }
        return nil
    }

    /// Content may hold newlines and tabs but no other control characters or NUL (which
    /// PostgreSQL cannot store in text).
    public static func contentProblem(_ content: String, maxCharacters: Int) -> String? {
        if content.count > maxCharacters { return "content is longer than \(maxCharacters) characters" }
        if content.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r") || $0.value == 0x7F }) {
            return "content must not contain control characters"
        }
        return nil
    }

    /// Group names: 1 to GroupLimits.nameCharacters characters after trimming, no control characters.
    public static func groupNameProblem(_ name: String) -> String? {
        let trimmed = name.trimmingSpaces
        if trimmed.isEmpty { return "name must not be empty" }
        // Counted in code points, as the H2AC script (utf8.len) counts them.
        if trimmed.unicodeScalars.count > GroupLimits.nameCharacters { return "name is longer than \(GroupLimits.nameCharacters) characters" }
        if trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "name must not contain control characters" }
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
