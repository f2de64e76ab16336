import Foundation
import JSON

/// Error texts go to logs and to the staff status page, so they must not carry what people wrote:
/// every string of the hook's input (message text, names, group names) that appears in an error
/// is replaced, and so is each word of four or more characters of such a string (a script may
/// quote a piece of a message). File, line and the script's own wording stay.
struct InputRedaction {
    static let placeholder = "‹redacted›"
    private var fragments: Set<String> = []

    init(_ inputs: [JSON]) {
        for input in inputs { collect(input) }
    }

    private mutating func collect(_ value: JSON) {
        switch value {
        case let .string(text): add(text)
        case let .array(items): items.forEach { collect($0) }
        case let .object(pairs): pairs.forEach { collect($0.1) }  // keys are the contract's names
        case let .raw(text): if let parsed = try? JSON.parse(text) { collect(parsed) }
        default: break
        }
    }

    private mutating func add(_ text: String) {
        guard !text.isEmpty else { return }
        if text.count >= 3 { fragments.insert(text) }
        for word in text.split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }) where word.count >= 4 {
            fragments.insert(String(word))
        }
    }

    /// `message` with every fragment replaced, longest first (so a whole text goes before its words).
    func apply(_ message: String) -> String {
        var result = message
        for fragment in fragments.sorted(by: { $0.count > $1.count }) where result.contains(fragment) {
            result = result.replacingOccurrences(of: fragment, with: Self.placeholder)
        }
        return result
    }
}
