import Foundation

/// A process's accounts by token subject, so a request costs no account query. Trusted only while
/// its change feed is connected: every change to a user (chat_upsert_user, chat_set_user_active)
/// sends `NOTIFY chat_accounts, '<id>'`, and the feed drops that user before the next request
/// reads the cache. While the feed is down the cache answers nothing (every request queries).
/// Shared by the process's threads.
public final class AccountCache: @unchecked Sendable {  // its entries are guarded by its lock
    private struct Entry {
        var account: Account
        var storedAt: Double
        /// The claims last applied (or found already applied), and when.
        var syncedClaims: ProfileClaims?
        var syncedAt: Double = -.infinity
    }

    private let lock = NSLock()
    private var entries: [Subject: Entry] = [:]
    private var subjectsById: [Int64: Subject] = [:]
    private var trusted = false
    private let maxEntries: Int
    /// A safety net only: the change feed is what keeps entries current.
    private let ttlSeconds: Double

    public init(maxEntries: Int = 100_000, ttlSeconds: Double = 300) {
        self.maxEntries = maxEntries
        self.ttlSeconds = ttlSeconds
    }

    public func account(for subject: Subject) -> Account? {
        lock.lock()
        defer { lock.unlock() }
        guard trusted, let entry = entries[subject], MonotonicTime.seconds() - entry.storedAt < ttlSeconds else { return nil }
        return entry.account
    }

    public func store(_ account: Account, for subject: Subject) {
        lock.lock()
        defer { lock.unlock() }
        guard trusted else { return }
        if entries.count >= maxEntries {
            entries.removeAll()
            subjectsById.removeAll()
        }
        let previous = entries[subject]
        entries[subject] = Entry(account: account, storedAt: MonotonicTime.seconds(), syncedClaims: previous?.syncedClaims,
                                 syncedAt: previous?.syncedAt ?? -.infinity)
        subjectsById[account.id] = subject
    }

    /// Whether these claims should be applied now: they differ from what was last applied (or,
    /// never applied here, from the stored profile) and the last sync is `intervalSeconds` old.
    public func shouldSync(_ subject: Subject, claims: ProfileClaims, stored: ProfileClaims, intervalSeconds: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let entry = entries[subject]
        if let applied = entry?.syncedClaims, applied == claims { return false }
        if ProfileClaims.covers(stored, claims) { return false }
        return MonotonicTime.seconds() - (entry?.syncedAt ?? -.infinity) >= Double(intervalSeconds)
    }

    /// An attempt to apply claims, and the claims now known applied (nil: the attempt was skipped).
    public func noteSynced(_ subject: Subject, claims: ProfileClaims?) {
        lock.lock()
        defer { lock.unlock() }
        guard entries[subject] != nil else { return }
        if let claims { entries[subject]!.syncedClaims = claims }
        entries[subject]!.syncedAt = MonotonicTime.seconds()
    }

    public func forget(userId: Int64) {
        lock.lock()
        defer { lock.unlock() }
        if let subject = subjectsById.removeValue(forKey: userId) { entries.removeValue(forKey: subject) }
    }

    /// The feed (re)connected (start trusting, from empty) or went down (stop trusting).
    public func setTrusted(_ value: Bool) {
        lock.lock()
        defer { lock.unlock() }
        trusted = value
        entries.removeAll()
        subjectsById.removeAll()
    }
}

extension ProfileClaims {
    /// True when every claim present already equals the stored field (nothing to apply).
    static func covers(_ stored: ProfileClaims, _ claims: ProfileClaims) -> Bool {
        (claims.username == nil || claims.username == stored.username)
            && (claims.displayName == nil || claims.displayName == stored.displayName)
            && (claims.avatar == nil || claims.avatar == stored.avatar)
    }
}
