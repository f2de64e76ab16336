import Foundation
import Logging
import MessagingCore

/// Keeps a process's account cache current: a connection LISTENing on `chat_accounts`, drained
/// (without blocking: libpq reads what has arrived) before each request consults the cache. A
/// change's NOTIFY reaches this socket when its transaction commits, before the client who made
/// the change hears back, so the next request anywhere sees it. While the connection is down the
/// cache is not trusted; reconnection is tried at most once a second.
final class AccountChangeFeed: @unchecked Sendable {  // the connection and its retry state are guarded by its lock
    static let channel = "chat_accounts"

    private let settings: PostgresSettings
    private let cache: AccountCache
    private let logger: Logger
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private var nextAttempt: Double = 0
    private var connecting = false

    init(settings: PostgresSettings, cache: AccountCache, logger: Logger) {
        self.settings = settings
        self.cache = cache
        self.logger = logger
    }

    func catchUp() {
        lock.lock()
        if let connection {
            do {
                for notification in try connection.drainNotifications() where notification.channel == AccountChangeFeed.channel {
                    if let id = Int64(notification.payload) { cache.forget(userId: id) }
                }
            } catch {
                self.connection = nil
                cache.setTrusted(false)
                nextAttempt = uptime() + 1
                logger.warning("account change feed lost its connection; accounts are read per request until it is back")
            }
            lock.unlock()
            return
        }
        let due = !connecting && uptime() >= nextAttempt
        if due {
            connecting = true
            nextAttempt = uptime() + 1
        }
        lock.unlock()
        guard due else { return }
        // Connected outside the lock: requests go on (uncached) meanwhile.
        let fresh: PostgresConnection?
        do {
            let candidate = try PostgresConnection(settings: settings)
            try candidate.execute(script: "LISTEN \(AccountChangeFeed.channel)")
            fresh = candidate
        } catch {
            fresh = nil
        }
        lock.lock()
        connecting = false
        if let fresh {
            connection = fresh
            cache.setTrusted(true)
        }
        lock.unlock()
    }

    private func uptime() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
