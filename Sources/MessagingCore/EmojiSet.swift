/// What a reaction may be: one fully-qualified emoji of Unicode's recommended (RGI) set, of the
/// version in `EmojiSet+Data.swift` (generated from Debian's `unicode-data` by
/// `scripts/generate-emoji.py`). Its unqualified or minimally-qualified forms ("❤", "©" without
/// the emoji variation selector) display as text on many systems, so a new reaction must be the
/// fully-qualified one ("❤️"); the refusal names it. Reactions stored before this rule were
/// merged into their fully-qualified forms (migration 0022), and removing one by a variant
/// removes the fully-qualified reaction.
public enum EmojiSet {
    /// `text` as stored, when it is a fully-qualified emoji of the set. The result is the set's
    /// own string: Swift compares strings by canonical equivalence, the database by bytes.
    public static func reaction(_ text: String) -> String? {
        guard text.utf8.count <= longestUTF8, let index = fullyQualified.firstIndex(of: text) else { return nil }
        return fullyQualified[index]
    }

    /// The reaction `text` names: itself when fully qualified, else the fully-qualified form of
    /// a variant (for removing and looking up).
    public static func reactionOrVariant(_ text: String) -> String? {
        reaction(text) ?? variants[text]
    }

    /// The 400's sentence for `text`: names the fully-qualified form when `text` is a variant.
    public static func refusal(for text: String) -> String {
        if let qualified = variants[text] {
            return "emoji must be fully qualified: use \(qualified) (with its emoji variation selector)."
        }
        return "emoji must be one emoji of Unicode's recommended set (Emoji \(unicodeVersion))."
    }

    private static let fullyQualified: Set<String> = Set(fullyQualifiedList.split(separator: " ").map(String.init))

    private static let variants: [String: String] = {
        let words = variantList.split(separator: " ").map(String.init)
        var map: [String: String] = [:]
        for pair in stride(from: 0, to: words.count - 1, by: 2) {
            map[words[pair]] = reaction(words[pair + 1])
        }
        return map
    }()

    private static let longestUTF8 = fullyQualified.map(\.utf8.count).max() ?? 0
}
