@testable import MessagingCore
import Testing

/// The per-process account cache: trusted only while its change feed is connected, an entry
/// dropped by a change of that user, claims applied at most once per interval.
@Suite struct AccountCacheTests {
    let account = Account(id: 7, deactivated: false, roles: ["staff"], profile: ProfileClaims(username: "ana", displayName: "Ana", avatar: nil))

    @Test func answersNothingUntilTrusted() {
        let cache = AccountCache()
        cache.store(account, for: .userId(7))
        #expect(cache.account(for: .userId(7)) == nil)
        cache.setTrusted(true)
        cache.store(account, for: .userId(7))
        #expect(cache.account(for: .userId(7)) == account)
        cache.setTrusted(false)
        #expect(cache.account(for: .userId(7)) == nil)
    }

    @Test func aChangeOfTheUserDropsTheEntry() {
        let cache = AccountCache()
        cache.setTrusted(true)
        cache.store(account, for: .external("auth0|7"))
        cache.forget(userId: 7)
        #expect(cache.account(for: .external("auth0|7")) == nil)
    }

    @Test func claimsAreAppliedOncePerInterval() {
        let cache = AccountCache()
        cache.setTrusted(true)
        cache.store(account, for: .userId(7))
        let same = ProfileClaims(username: "ana", displayName: "Ana")
        let renamed = ProfileClaims(displayName: "Ana B")
        #expect(!cache.shouldSync(.userId(7), claims: same, stored: account.profile, intervalSeconds: 60))
        #expect(cache.shouldSync(.userId(7), claims: renamed, stored: account.profile, intervalSeconds: 60))
        cache.noteSynced(.userId(7), claims: nil)  // skipped: synced elsewhere just now
        #expect(!cache.shouldSync(.userId(7), claims: renamed, stored: account.profile, intervalSeconds: 60))
        #expect(cache.shouldSync(.userId(7), claims: renamed, stored: account.profile, intervalSeconds: 0))
        cache.noteSynced(.userId(7), claims: renamed)
        #expect(!cache.shouldSync(.userId(7), claims: renamed, stored: account.profile, intervalSeconds: 0))
    }
}
