import Foundation
import Postgres

/// From a verified token to a caller: finds the token's user (creating them on first sight with
/// `provision_users = from_token`, for tokens signed by the platform's JWKS), applies the account-state check, keeps the profile in step
/// with the claims (at most once per `profile_sync_seconds` per user), and adds the token's roles to the stored
/// ones. Throws `TokenRejection` (unknown user, deactivated) or `PostgresError`.
public struct AccountResolver {
    public let provisionFromToken: Bool
    /// Claims are applied to a user at most this often (`profile_sync_seconds`).
    public let profileSyncSeconds: Int
    public let cache: AccountCache?

    public init(configuration: Configuration, cache: AccountCache?) {
        provisionFromToken = configuration.provisionFromToken
        profileSyncSeconds = configuration.profileSyncSeconds
        self.cache = cache
    }

    /// `changed` is called after a write that others must hear of (a new or updated profile).
    public func caller(for token: VerifiedToken, db: PostgresConnection, changed: () -> Void = {}) throws -> Caller {
        let store = AccountStore(db)
        let provision = provisionFromToken && token.fromPlatform
        var account = cache?.account(for: token.subject)
        var provisioned = false
        if account == nil {
            account = try store.find(token.subject)
            if account == nil && provision {
                if try provisionUser(store, token).changed { changed() }
                account = try store.find(token.subject)
                provisioned = true
            }
            guard let found = account else { throw TokenRejection.unknownUser }
            cache?.store(found, for: token.subject)
            if provisioned { cache?.noteSynced(token.subject, claims: token.profile) }
        }
        let found = account!
        if let refusal = AccountState.check(found) { throw refusal }
        if provision && !provisioned
            && (cache?.shouldSync(token.subject, claims: token.profile, stored: found.profile, intervalSeconds: profileSyncSeconds) ?? !ProfileClaims.covers(found.profile, token.profile)) {
            // Throttled here per process and in SQL per user, so a burst of requests writes once.
            let upserted = try store.upsert(token.subject, profile: token.profile, roles: nil, minimumIntervalSeconds: profileSyncSeconds)
            // Skipped (another process synced this user just now): try again after the interval.
            cache?.noteSynced(token.subject, claims: upserted.skipped ? nil : token.profile)
            if upserted.changed {
                cache?.forget(userId: found.id)
                changed()
            }
        }
        return Caller(userId: found.id, roles: found.roles.union(token.roles))
    }

    /// Creates the token's user; an integer sub naming a user known by an external id is unknown.
    private func provisionUser(_ store: AccountStore, _ token: VerifiedToken) throws -> AccountStore.Upserted {
        do {
            return try store.upsert(token.subject, profile: token.profile, roles: nil)
        } catch let error as PostgresError where error.sqlState == "CHI09" {
            throw TokenRejection.unknownUser
        }
    }
}
