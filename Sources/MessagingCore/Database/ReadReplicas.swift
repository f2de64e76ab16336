import Foundation
import Postgres

/// One pool thread's read replicas (`database_replicas`). libpq 15 cannot balance hosts itself,
/// so this takes the replicas in turn, one connection each, and hands out one only once it has
/// replayed every commit the primary had when the read began: whoever wrote just before, or
/// received a push frame about a write, reads at least that (read-your-writes without a token).
/// A replica that is down, or further behind than `maxLagMilliseconds`, is skipped for
/// `retrySeconds`; the caller then reads from the primary. Not thread-safe, like the connections.
public final class ReadReplicas {
    private struct Replica {
        let settings: PostgresSettings
        var connection: DatabaseConnection?
        var skippedUntil: UInt64 = 0
    }

    private var replicas: [Replica]
    private var next: Int
    private let maxLagNanoseconds: UInt64
    private let retryNanoseconds: UInt64

    public init(settings: [PostgresSettings], maxLagMilliseconds: Int, retrySeconds: Int) {
        replicas = settings.map { Replica(settings: $0) }
        // Threads start at different replicas, so the first reads of a pool spread too.
        next = replicas.isEmpty ? 0 : Int.random(in: 0..<replicas.count)
        maxLagNanoseconds = UInt64(maxLagMilliseconds) * 1_000_000
        retryNanoseconds = UInt64(retrySeconds) * 1_000_000_000
    }

    public var isEmpty: Bool { replicas.isEmpty }

    /// A replica connection that has replayed `position` (the primary's `flushedPosition()` taken
    /// before this read), or nil when none can serve now.
    public func connection(caughtUpTo position: String) -> DatabaseConnection? {
        let now = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<replicas.count {
            let index = next
            next = (next + 1) % replicas.count
            guard replicas[index].skippedUntil <= now else { continue }
            if let connection = caughtUp(index, position: position, since: now) { return connection }
            replicas[index].skippedUntil = DispatchTime.now().uptimeNanoseconds + retryNanoseconds
        }
        return nil
    }

    /// The read on `connection` failed (it broke, or the replica cancelled it): leave that
    /// replica out for a while.
    public func skip(_ connection: DatabaseConnection) {
        guard let index = replicas.firstIndex(where: { $0.connection === connection }) else { return }
        replicas[index].connection = nil
        replicas[index].skippedUntil = DispatchTime.now().uptimeNanoseconds + retryNanoseconds
    }

    private func caughtUp(_ index: Int, position: String, since start: UInt64) -> DatabaseConnection? {
        do {
            let connection: DatabaseConnection
            if let existing = replicas[index].connection {
                existing.checkIdleConnection()
                try existing.ensureConnected()
                connection = existing
            } else {
                connection = try DatabaseConnection(settings: replicas[index].settings)
                replicas[index].connection = connection
            }
            let replication = ReplicationStore(connection)
            // Replay usually follows within a millisecond; poll briefly rather than give up.
            while true {
                switch try replication.replay(upTo: position) {
                case .caughtUp: return connection
                case .notAStandby:
                    replicas[index].connection = nil
                    return nil
                case .behind:
                    if DispatchTime.now().uptimeNanoseconds - start >= maxLagNanoseconds { return nil }
                    usleep(1000)
                }
            }
        } catch {
            // Down, refusing (a node that is the primary now: target_session_attrs=standby), or
            // the connection broke: drop it, and skip this replica for a while.
            replicas[index].connection = nil
            return nil
        }
    }
}
