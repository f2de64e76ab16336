import Foundation
import MessagingCore

/// The socket nginx connects to, opened once by the supervisor and inherited by every worker.
enum ListenSocket {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Under systemd socket activation the socket arrives as fd 3; otherwise it is opened from
    /// `fcgi_listen` (`unix:/path` or `tcp:host:port`).
    static func open(_ configuration: Configuration) throws -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        if environment["LISTEN_FDS"] == "1", environment["LISTEN_PID"] == String(getpid()) {
            return 3
        }
        let spec = configuration.fcgiListen
        if spec.hasPrefix("unix:") {
            return try openUnix(path: String(spec.dropFirst(5)), mode: mode_t(configuration.fcgiSocketMode))
        }
        guard let (host, port) = Configuration.hostPort(String(spec.dropFirst(4))) else {
            throw Failure(description: "fcgi_listen: expected tcp:host:port")
        }
        return try openTCP(host: host, port: port)
    }

    private static func openUnix(path: String, mode: mode_t) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        unlink(path)  // a socket left by a previous run that was killed
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { throw Failure(description: "fcgi_listen: socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind(\(path)): \(String(cString: strerror(errno)))") }
        chmod(path, mode)
        guard listen(fd, 1024) == 0 else { throw Failure(description: "listen(): \(String(cString: strerror(errno)))") }
        return fd
    }

    private static func openTCP(host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "fcgi_listen: \(host) is not an IPv4 address") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind(\(host):\(port)): \(String(cString: strerror(errno)))") }
        guard listen(fd, 1024) == 0 else { throw Failure(description: "listen(): \(String(cString: strerror(errno)))") }
        return fd
    }
}
