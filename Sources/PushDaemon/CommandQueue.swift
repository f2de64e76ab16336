import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the event loops ask of the listener thread, which owns the registry and the database.
enum Command {
    case register(WebSocketSession, userId: Int64, since: Int64?)
    case unregister(WebSocketSession)
    case typing(WebSocketSession, conversationId: Int64, isTyping: Bool)
    case focus(WebSocketSession, conversationId: Int64?)
}

/// A bounded multi-producer queue into the listener thread, with a wake-up pipe the thread polls
/// beside its Postgres socket. Producers never block: a full queue refuses the command (the
/// session then refuses the connection or drops a typing frame). Unregistration is the one
/// exception, always accepted: there is at most one per registered session, so it stays bounded.
final class CommandQueue: @unchecked Sendable {  // `items` is guarded by `lock`; the pipe is written atomically
    private let lock = NSLock()
    private var items: [Command] = []
    private let capacity: Int
    /// Poll this for POLLIN; `drain()` clears it.
    let wakeDescriptor: Int32
    private let wakeWriter: Int32

    init(capacity: Int) {
        self.capacity = capacity
        var ends: [Int32] = [-1, -1]
        let created = pipe(&ends)
        precondition(created == 0, "pipe failed")
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeDescriptor = ends[0]
        wakeWriter = ends[1]
        items.reserveCapacity(256)
    }

    deinit {
        close(wakeDescriptor)
        close(wakeWriter)
    }

    /// False when the queue is full.
    func submit(_ command: Command) -> Bool {
        lock.lock()
        guard items.count < capacity else {
            lock.unlock()
            return false
        }
        let wasEmpty = items.isEmpty
        items.append(command)
        lock.unlock()
        if wasEmpty { wake() }
        return true
    }

    func submitAlways(_ command: Command) {
        lock.lock()
        let wasEmpty = items.isEmpty
        items.append(command)
        lock.unlock()
        if wasEmpty { wake() }
    }

    /// Wakes the listener thread without a command (shutdown, tests).
    func wake() {
        // A full pipe already means "wake up": a failed write loses nothing.
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    /// Everything queued so far, in order.
    func drain() -> [Command] {
        var scratch = [UInt8](repeating: 0, count: 256)
        while read(wakeDescriptor, &scratch, scratch.count) == scratch.count {}
        lock.lock()
        let taken = items
        items.removeAll(keepingCapacity: true)
        lock.unlock()
        return taken
    }
}
