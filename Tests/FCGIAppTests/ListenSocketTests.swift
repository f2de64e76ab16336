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

    /// Whether `fd` is a listening socket bound to 127.0.0.1:`port`.
    func listens(_ fd: Int32, on port: Int) -> Bool {
        var accepting: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) == 0, accepting == 1 else { return false }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        return named && Int(UInt16(bigEndian: address.sin_port)) == port && address.sin_addr.s_addr == inet_addr("127.0.0.1")
    }

    @Test func listensOnTheTCPPortItNames() throws {
        // A port known to be free: taken from the kernel, then released.
        let (probe, port) = try occupiedPort()
        close(probe)
        let fd = try ListenSocket.open(try configuration(listen: "tcp:127.0.0.1:\(port)"))
        defer { close(fd) }
        #expect(listens(fd, on: port))
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
