/// A token's `sub`: the platform's user id. A positive integer in canonical decimal ("42", never
/// "+42", "042" or "42.0") is our user id; any other non-empty string is an external id, mapped
/// to one of our ids through `users.external_id`.
public enum Subject: Equatable, Hashable, Sendable {
    case userId(Int64)
    case external(String)

    /// Longest external id accepted, in code points (the column's check counts characters).
    public static let maxExternalLength = 255

    public init?(_ text: String) {
        if let id = Subject.canonicalId(text) {
            self = .userId(id)
            return
        }
        guard !text.isEmpty, text.unicodeScalars.count <= Subject.maxExternalLength, !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return nil
        }
        // Number-like text that is not canonical ("007", "0", "+1", "-3", "1.0", " 1") would read
        // as an id and is not one: refused, so no spelling of an id reaches another account.
        if Subject.looksNumeric(text) || text.first!.isWhitespace || text.last!.isWhitespace { return nil }
        self = .external(text)
    }

    /// "1"..."9223372036854775807" in canonical form; nil otherwise.
    public static func canonicalId(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first >= 0x31, first <= 0x39, bytes.count <= 19,
              bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = Int64(text)
        else { return nil }
        return id
    }

    private static func looksNumeric(_ text: String) -> Bool {
        var bytes = Substring(text).utf8.drop(while: { $0 == 0x20 })
        if let sign = bytes.first, sign == 0x2B || sign == 0x2D { bytes = bytes.dropFirst() }
        return !bytes.isEmpty && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }
            && bytes.contains { $0 >= 0x30 && $0 <= 0x39 }
    }

    public var text: String {
        switch self {
        case let .userId(id): String(id)
        case let .external(value): value
        }
    }
}
