import Foundation

/// The datagram socket pair that carries worker reports to the supervisor. One pair serves
/// the whole pool: every worker inherits the same sending end, and datagrams from different
/// processes never interleave, so the supervisor needs no per-worker descriptor bookkeeping.
struct PoolMetricsChannel {
    /// The sending end's number in a worker. Not 3's socket-activation meaning: the supervisor
    /// hands the listen socket over as fd 0 first, then puts this end on fd 3 (dup2 replaces
    /// whatever the worker would otherwise inherit there, e.g. systemd's socket).
    static let workerDescriptor: Int32 = 3

    /// The supervisor's ends, both close-on-exec and moved above 10 so that neither can be the
    /// number a spawn action dup2s onto (dup2 onto the same number would keep close-on-exec).
    let receiving: Int32
    let sending: Int32

    static func open() throws -> PoolMetricsChannel {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw ListenSocket.Failure(description: "metrics socketpair(): \(String(cString: strerror(errno)))")
        }
        func high(_ fd: Int32) -> Int32 {
            let moved = fcntl(fd, F_DUPFD_CLOEXEC, 10)
            guard moved >= 0 else { return fd }
            close(fd)
            return moved
        }
        // A worker's report may be up to 32 KiB; leave room for a few per worker.
        var size: Int32 = 1 << 20
        setsockopt(pair[0], SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        return PoolMetricsChannel(receiving: high(pair[0]), sending: high(pair[1]))
    }

    /// Worker side: sends each datagram, blocking while the supervisor's queue is full (only the
    /// reporting thread waits, never a request). Gives up silently if the supervisor is gone.
    static func send(_ datagrams: [[UInt8]], on descriptor: Int32) {
        for datagram in datagrams {
            while true {
                let sent = datagram.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent < 0 && errno == EINTR { continue }
                break
            }
        }
    }

    /// Supervisor side: blocks for the next datagram.
    func receive(into buffer: inout [UInt8]) -> ArraySlice<UInt8>? {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(receiving, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            return count > 0 ? buffer[0..<count] : nil
        }
    }

    /// True when `descriptor` is a datagram socket: a worker started by hand (spawn-fcgi) without
    /// the supervisor has no channel, and must not write reports into whatever fd 3 is.
    static func isChannel(_ descriptor: Int32) -> Bool {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == Int32(SOCK_DGRAM.rawValue)
    }
}
