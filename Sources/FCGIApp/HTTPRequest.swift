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

/// Decodes %XX escapes; nil when the escapes are malformed or the bytes are not UTF-8.
func percentDecode(_ text: String, plusAsSpace: Bool = false) -> String? {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
        if byte == UInt8(ascii: "%") {
            guard let hi = iterator.next(), let lo = iterator.next(),
                  let value = UInt8(String(decoding: [hi, lo], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
        } else if plusAsSpace && byte == UInt8(ascii: "+") {
            bytes.append(UInt8(ascii: " "))
        } else {
            bytes.append(byte)
        }
    }
    return String(validating: bytes, as: UTF8.self)
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
