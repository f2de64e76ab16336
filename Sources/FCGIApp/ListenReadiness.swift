import CFastCGI
import Foundation

/// Waits until the shared listen socket has a connection to accept. Each thread has its own
/// epoll instance registered with EPOLLEXCLUSIVE, so one incoming connection wakes one waiting
/// thread instead of all of them.
final class ListenReadiness {
    private let epoll: Int32

    init(descriptor: Int32) {
        epoll = cfcgi_exclusive_readiness(descriptor)
    }

    deinit { if epoll >= 0 { close(epoll) } }

    /// True when a connection may be waiting; false after the timeout.
    func wait(milliseconds: Int32) -> Bool {
        guard epoll >= 0 else {
            // No epoll: fall back to a plain poll, woken with every other thread.
            var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            return poll(&descriptor, 1, milliseconds) > 0
        }
        return cfcgi_wait_readable(epoll, milliseconds) == 1
    }
}
