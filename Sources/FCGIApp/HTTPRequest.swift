import MessagingCore

/// A request as the handlers see it: plain Swift values, copied out of libfcgi before
/// `FCGX_Finish_r` so nothing points into its buffers afterwards.
struct HTTPRequest {
    let method: String
    /// The path without the query string, percent-decoding not applied (segments decode themselves).
    let path: String
    let query: [String: String]
    /// Query keys whose key or value was not valid percent-encoded UTF-8 (answered with a 400).
    let invalidQueryKeys: [String]
    let contentType: String?
    let authorization: String?
    let requestId: String
    let body: [UInt8]
    /// Set when the declared body was larger than allowed; the body was not read.
    let bodyTooLarge: Bool

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
