import Foundation

/// A short excerpt of a message around the first match of a search, safe to insert as HTML:
/// the text is escaped and the match wrapped in `<mark>`. Matching folds case and accents the
/// way the database does, character by character, so positions map back to the original text.
public enum SearchSnippet {
    public static func make(content: String, query: String, radius: Int = 40) -> String {
        let characters = Array(content)
        let folded = characters.map(fold)
        let needle = Array(query).map(fold).joined()
        guard !needle.isEmpty, let (start, end) = firstMatch(folded, needle) else {
            return escape(String(characters.prefix(radius * 2))) + (characters.count > radius * 2 ? "…" : "")
        }
        let from = max(0, start - radius)
        let to = min(characters.count, end + radius)
        var html = from > 0 ? "…" : ""
        html += escape(String(characters[from..<start]))
        html += "<mark>" + escape(String(characters[start..<end])) + "</mark>"
        html += escape(String(characters[end..<to]))
        if to < characters.count { html += "…" }
        return html
    }

    static func fold(_ character: Character) -> String {
        let folded = String(character).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        return letterFolds[folded] ?? folded
    }

    /// Letters that unaccent() rewrites but diacritic folding leaves alone (ligatures, strokes).
    static let letterFolds: [String: String] = [
        "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t", "ß": "ss",
    ]

    /// Character range [start, end) of the first run of characters whose folded forms spell `needle`.
    static func firstMatch(_ folded: [String], _ needle: String) -> (Int, Int)? {
        for start in folded.indices {
            var accumulated = ""
            var index = start
            while index < folded.count && accumulated.count < needle.count {
                accumulated += folded[index]
                index += 1
                if !needle.hasPrefix(accumulated) { break }
                if accumulated == needle { return (start, index) }
            }
        }
        return nil
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
