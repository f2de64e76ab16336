import Foundation
import MessagingCore
import Observability
import Postgres
import Testing

/// The daemon's metrics API end to end: record, then scrape the endpoint over HTTP.
@Suite struct PushMetricsTests {
    @Test func scrapeShowsWhatWasRecorded() throws {
        let metrics = PushMetrics()
        let port = try serveOnSomePort(metrics)
        metrics.clientConnected()
        metrics.clientConnected()
        metrics.clientDisconnected()
        metrics.framesSent(2, eventCreatedAt: Date(timeIntervalSinceNow: -0.02))
        metrics.framesSent(eventCreatedAt: nil)
        metrics.listenerReconnected()
        metrics.common.postgresError(PostgresError(kind: .connection, sqlState: nil, serverMessage: "gone"))
        metrics.common.postgresError(PostgresError(kind: .statement, sqlState: "CH403", serverMessage: "x"), isDomainError: true)
        metrics.common.hookFailures(kind: "timeout", function: "notifications.on_message")
        metrics.common.hookFailures(kind: "runtime", function: "guidance.validate_group")
        metrics.common.hookFailures(kind: "runtime", function: "not.a_hook")  // not counted: labels stay fixed

        let (head, body) = try get(port: port, path: "/metrics")
        #expect(head.hasPrefix("HTTP/1.1 200"))
        #expect(head.contains("Content-Type: text/plain; version=0.0.4"))
        for line in [
            "messaging_push_connected_clients 1.0", "messaging_push_frames_sent_total 3",
            "messaging_push_delivery_lag_seconds_count 2", "messaging_push_delivery_lag_seconds_bucket{le=\"0.01\"} 0",
            "messaging_push_delivery_lag_seconds_bucket{le=\"0.025\"} 2", "messaging_push_listener_reconnects_total 1",
            "messaging_postgres_errors_total{kind=\"connection\"} 1", "messaging_postgres_errors_total{kind=\"statement\"} 0",
            "messaging_hook_timeouts_total{function=\"notifications.on_message\"} 1",
            "messaging_hook_errors_total{kind=\"runtime\",function=\"guidance.validate_group\"} 1",
            "messaging_hook_errors_total{kind=\"suspended\",function=\"notifications.on_read\"} 0",
        ] {
            #expect(body.contains(line + "\n"), "missing: \(line)")
        }
        #expect(try get(port: port, path: "/").head.hasPrefix("HTTP/1.1 404"))
    }

    private func serveOnSomePort(_ metrics: PushMetrics) throws -> Int {
        for _ in 0..<20 {
            let port = Int.random(in: 40000...60000)
            let configuration = try Configuration.load(path: nil, environment: [
                "MESSAGING_JWT_SECRET": String(repeating: "s", count: 40), "MESSAGING_PUSH_METRICS_LISTEN": "127.0.0.1:\(port)",
            ])
            do {
                try metrics.serve(configuration: configuration)
                return port
            } catch is Configuration.Invalid {
                continue  // taken: try another
            }
        }
        throw Configuration.Invalid(key: "push_metrics_listen", problem: "no free port found")
    }

    /// A plain HTTP/1.1 GET over a socket; the server closes after answering.
    private func get(port: Int, path: String) throws -> (head: String, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count <= 0 { break }
            response += chunk[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        return (parts[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
