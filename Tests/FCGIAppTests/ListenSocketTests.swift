import Foundation
import MessagingCore
import Testing

@testable import FCGIApp

/// `fcgi_listen = tcp:host:port`: the socket listens where it says, and each refusal names its cause.
@Suite struct ListenSocketTests {
    func configuration(listen: String) throws -> Configuration {
        try Configuration.load(path: nil, environment: ["MESSAGING_JWT_SECRET": String(repeating: "s", count: 40), "MESSAGING_FCGI_LISTEN": listen])
    }

    /// A listening TCP socket on an ephemeral loopback port, and that port.
    func occupiedPort() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    func connects(to port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    @Test func listensOnTheTCPPortItNames() throws {
        // A port known to be free: taken from the kernel, then released.
        let (probe, port) = try occupiedPort()
        close(probe)
        let fd = try ListenSocket.open(try configuration(listen: "tcp:127.0.0.1:\(port)"))
        defer { close(fd) }
        #expect(connects(to: port))
    }

    @Test func aPortInUseIsRefusedWithTheAddress() throws {
        let (fd, port) = try occupiedPort()
        defer { close(fd) }
        let configuration = try configuration(listen: "tcp:127.0.0.1:\(port)")
        let failure = #expect(throws: ListenSocket.Failure.self) { try ListenSocket.open(configuration) }
        #expect(failure?.description.hasPrefix("bind(127.0.0.1:\(port)): ") == true)
    }

    @Test(arguments: [
        ("tcp:localhost:9000", "fcgi_listen: localhost is not an IPv4 address"),
        ("tcp:127.0.0.1", "fcgi_listen: expected tcp:host:port"),
        ("tcp:127.0.0.1:70000", "fcgi_listen: expected tcp:host:port"),
    ])
    func badTCPAddressesAreRefused(_ listen: String, _ message: String) throws {
        let configuration = try configuration(listen: listen)
        let failure = #expect(throws: ListenSocket.Failure.self) { try ListenSocket.open(configuration) }
        #expect(failure?.description == message)
    }
}
