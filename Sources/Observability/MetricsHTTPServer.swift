import Foundation
import Logging
import MessagingCore

/// A tiny HTTP/1.1 responder for Prometheus scrapes: `GET /metrics` answers the text exposition
/// format, anything else 404. One thread with a blocking accept loop, one request per
/// connection: a scraper every few seconds needs no more, and it keeps SwiftNIO out of the pool.
/// Bind it to loopback (or a private interface); the nginx snippets never route to it.
public final class MetricsHTTPServer: @unchecked Sendable {  // immutable after init; its one thread owns the socket
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let descriptor: Int32
    private let logger: Logger
    private let render: @Sendable () -> [UInt8]

    /// Binds `address` ("host:port") at once, so a taken port stops start-up with a clear error;
    /// `start()` then serves from a thread of its own. `render` returns the exposition text.
    public init(address: String, logger: Logger, render: @escaping @Sendable () -> [UInt8]) throws {
        guard let (host, port) = Configuration.hostPort(address) else { throw Failure(description: "expected host:port, got '\(address)'") }
        self.descriptor = try MetricsHTTPServer.bind(host: host, port: port)
        self.logger = logger
        self.render = render
    }

    public func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "metrics-http"
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let client = accept(descriptor, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                logger.error("metrics endpoint: accept failed; it stops", metadata: ["errno": "\(errno)"])
                return
            }
            serve(client)
            close(client)
        }
    }

    private func serve(_ client: Int32) {
        // A scraper that stalls must not hold the only thread for long.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let requestLine = readHead(client)?.split(separator: "\r\n", maxSplits: 1).first else { return }
        let parts = requestLine.split(separator: " ")
        let target = parts.count >= 2 ? parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? "" : ""
        if parts.first == "GET" && target == "/metrics" {
            respond(client, status: "200 OK", contentType: "text/plain; version=0.0.4; charset=utf-8", body: render())
        } else {
            respond(client, status: "404 Not Found", contentType: "text/plain; charset=utf-8", body: Array("metrics are at GET /metrics\n".utf8))
        }
    }

    /// Reads until the blank line that ends the request head (at most 8 KiB); the body is ignored.
    private func readHead(_ client: Int32) -> String? {
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while head.count < 8192 {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { return nil }
            head += chunk[0..<count]
            if head.endsRequestHead { break }
        }
        return String(decoding: head, as: UTF8.self)
    }

    private func respond(_ client: Int32, status: String, contentType: String, body: [UInt8]) {
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    private static func bind(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))") }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "bind(\(host):\(port)): \(message)")
        }
        guard listen(fd, 64) == 0 else {
            close(fd)
            throw Failure(description: "listen(): \(String(cString: strerror(errno)))")
        }
        return fd
    }
}

private extension Array where Element == UInt8 {
    /// Contains CR LF CR LF: the request head is complete (reading it all before closing avoids
    /// a reset that could cut the response short).
    var endsRequestHead: Bool {
        guard count >= 4 else { return false }
        return (0...(count - 4)).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
}
