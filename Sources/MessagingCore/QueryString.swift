/// A query string (`a=1&b=x%20y`) as both the REST API and the push daemon read it: keys and
/// values percent-decoded once, `+` as a space. A key given twice keeps its first value, in both
/// processes. A key or value that is not valid percent-encoded UTF-8 is not dropped or guessed
/// at: it is listed in `invalidKeys`, and the caller answers 400.
public struct QueryString: Sendable, Equatable {
    public private(set) var values: [String: String] = [:]
    /// Keys (as far as they decode) whose key or value did not decode.
    public private(set) var invalidKeys: [String] = []

    public init(_ query: Substring) {
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawKey = String(pair[0])
            guard let key = PercentDecoding.decode(rawKey, plusAsSpace: true) else {
                invalidKeys.append(PercentDecoding.decode(rawKey, plusAsSpace: true, lossy: true) ?? rawKey)
                continue
            }
            guard let value = pair.count > 1 ? PercentDecoding.decode(String(pair[1]), plusAsSpace: true) : "" else {
                invalidKeys.append(key)
                continue
            }
            if values[key] == nil { values[key] = value }
        }
    }

    public init(_ query: String) { self.init(query[...]) }

    public subscript(key: String) -> String? { values[key] }
}

/// %XX decoding for paths and query strings.
public enum PercentDecoding {
    /// Decodes %XX escapes; nil when an escape is malformed or the bytes are not UTF-8, unless
    /// `lossy`: then a malformed escape stays as it is and bad UTF-8 becomes U+FFFD (a path
    /// segment still routes, and its handler refuses the value with its own 400).
    public static func decode(_ text: String, plusAsSpace: Bool = false, lossy: Bool = false) -> String? {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var index = 0
        while index < input.count {
            let byte = input[index]
            index += 1
            if byte == UInt8(ascii: "%") {
                guard index + 2 <= input.count, let high = hexValue(input[index]), let low = hexValue(input[index + 1]) else {
                    if !lossy { return nil }
                    bytes.append(byte)
                    continue
                }
                bytes.append(high << 4 | low)
                index += 2
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return lossy ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
