import CFastCGI
import MessagingCore

/// One thread's libfcgi request slot: accepts a connection from nginx, copies the request
/// out, writes the response, finishes. Owned by exactly one thread.
final class FastCGIConnection {
    private var request = FCGX_Request()
    let maxBodyBytes: Int

    /// `listenDescriptor` is 0 by FastCGI convention: the supervisor hands the socket over as stdin.
    init(listenDescriptor: Int32, maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        FCGX_InitRequest(&request, listenDescriptor, 0)
    }

    deinit { FCGX_Free(&request, 1) }

    /// Blocks until nginx sends a request; false when the listen socket is gone.
    func accept() -> Bool { FCGX_Accept_r(&request) >= 0 }

    func readRequest() -> HTTPRequest {
        let method = parameter("REQUEST_METHOD") ?? "GET"
        // REQUEST_URI as the client sent it: routes match raw segments and each parameter is
        // decoded once. nginx's DOCUMENT_URI is already decoded, so `/1%3Fx` or `/1%2Fread-state`
        // would be decoded a second time and routed as something else.
        let uri = parameter("REQUEST_URI") ?? parameter("DOCUMENT_URI") ?? "/"
        let path = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
        let declaredLength = Int(parameter("CONTENT_LENGTH") ?? "") ?? 0
        let tooLarge = declaredLength > maxBodyBytes
        var body: [UInt8] = []
        if !tooLarge && declaredLength > 0 {
            body = [UInt8](repeating: 0, count: declaredLength)
            let read = body.withUnsafeMutableBytes { buffer in
                FCGX_GetStr(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(declaredLength), request.in)
            }
            body.removeSubrange(Int(max(read, 0))...)
        }
        let query = QueryString(parameter("QUERY_STRING") ?? "")
        return HTTPRequest(
            method: method,
            path: path,
            query: query.values,
            invalidQueryKeys: query.invalidKeys,
            contentType: parameter("CONTENT_TYPE"),
            authorization: parameter("HTTP_AUTHORIZATION"),
            requestId: parameter("HTTP_X_REQUEST_ID") ?? parameter("REQUEST_ID") ?? RequestId.make(),
            body: body,
            bodyTooLarge: tooLarge)
    }

    func write(_ response: HTTPResponse, requestId: String) {
        let body = response.body?.serialized ?? ""
        var head = "Status: \(response.status) \(reasonPhrase(response.status))\r\n"
        if response.body != nil {
            head += "Content-Type: application/json; charset=utf-8\r\n"
        }
        head += "Content-Length: \(body.utf8.count)\r\nX-Request-Id: \(requestId)\r\nCache-Control: no-store\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        put(head)
        put(body)
    }

    func finish() { FCGX_Finish_r(&request) }

    private func put(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            _ = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { FCGX_PutStr($0, Int32(bytes.count), request.out) }
        }
    }

    private func parameter(_ name: String) -> String? {
        FCGX_GetParam(name, request.envp).map { String(cString: $0) }
    }
}

private func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 200: return "OK"
    case 201: return "Created"
    case 204: return "No Content"
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 403: return "Forbidden"
    case 404: return "Not Found"
    case 405: return "Method Not Allowed"
    case 409: return "Conflict"
    case 413: return "Payload Too Large"
    case 415: return "Unsupported Media Type"
    case 422: return "Unprocessable Content"
    case 500: return "Internal Server Error"
    case 503: return "Service Unavailable"
    default: return "Status"
    }
}
