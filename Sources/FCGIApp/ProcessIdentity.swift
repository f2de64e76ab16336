import Foundation
import Logging
import MessagingCore

/// A worker process's shared identity machinery: the token verifier (with the signing keys), the
/// account cache and the feed that keeps it current, and the resolver that uses them.
final class ProcessIdentity: @unchecked Sendable {  // immutable; each member synchronizes itself (TokenVerifier is not marked Sendable)
    let verifier: TokenVerifier
    let cache: AccountCache
    let feed: AccountChangeFeed
    let resolver: AccountResolver

    init(configuration: Configuration, logger: Logger) {
        verifier = TokenVerifier(keys: SigningKeys(configuration: configuration, logger: logger), policy: TokenPolicy(configuration: configuration))
        cache = AccountCache()
        feed = AccountChangeFeed(settings: configuration.databaseSettings(applicationName: "fcgi-app-accounts"), cache: cache, logger: logger)
        resolver = AccountResolver(configuration: configuration, cache: cache)
    }
}
