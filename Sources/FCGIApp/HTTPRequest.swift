import MessagingCore

/// A request as the handlers see it: plain Swift values, copied out of libfcgi before
/// `FCGX_Finish_r` so nothing points into its buffers afterwards.
struct HTTPRequest {
    let method: String
    /// The path without the query string, percent-decoding not applied (segments decode themselves).
    let path: String
    let query: [String: String]
    let contentType: String?
    let authorization: String?
    let requestId: String
    let body: [UInt8]
    /// Set when the declared body was larger than allowed; the body was not read.
    let bodyTooLarge: Bool

    /// Query string parsing: `a=1&b=x%20y`; later duplicates win.
    static func parseQuery(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = percentDecode(String(parts[0]), plusAsSpace: true) else { continue }
            result[key] = parts.count > 1 ? percentDecode(String(parts[1]), plusAsSpace: true) ?? "" : ""
        }
        return result
    }
}

/// Decodes %XX escapes; nil when the escapes are malformed or the bytes are not UTF-8, unless
/// `lossy`: then a malformed escape stays as it is and bad UTF-8 becomes U+FFFD (a path segment
/// still routes, and its handler refuses the value with its own 400).
func percentDecode(_ text: String, plusAsSpace: Bool = false, lossy: Bool = false) -> String? {
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

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// What a handler answers. Bodies are JSON; 204 has none.
struct HTTPResponse {
    var status: Int
    var body: JSON?
    var headers: [(String, String)] = []

    static func json(_ status: Int, _ body: JSON) -> HTTPResponse { HTTPResponse(status: status, body: body) }
    static let noContent = HTTPResponse(status: 204, body: nil)

    static func error(_ error: APIError) -> HTTPResponse {
        HTTPResponse(status: error.status, body: error.body, headers: error.headers)
    }
}
