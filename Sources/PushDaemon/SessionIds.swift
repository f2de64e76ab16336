import Foundation

/// Process-unique session ids for logs.
enum SessionIds {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var counter: UInt64 = 0  // guarded by `lock`

    static func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return counter
    }
}
