import Foundation
import Logging
import MessagingCore

/// Decides who a WebSocket upgrade belongs to, off the event loops: the token verified completely
/// (the JWKS may need a fetch), then the account found, provisioned or refused by the same
/// account-state check as REST, on this daemon's own connection. Upgrades are answered in order;
/// each costs one indexed query.
final class UpgradeAuthenticator: @unchecked Sendable {
    enum Outcome {
        case accepted(userId: Int64, validUntil: Date?)
        case refused(TokenRejection)
        /// The database is unreachable: the client should retry shortly (close 1013).
        case unavailable
    }

    private let verifier: TokenVerifier
    private let resolver: AccountResolver
    private let settings: PostgresSettings
    private let logger: Logger
    private let queue = DispatchQueue(label: "upgrade-authenticator")
    /// Used only on `queue`.
    private var connection: PostgresConnection?

    init(configuration: Configuration, logger: Logger) {
        verifier = TokenVerifier(keys: SigningKeys(configuration: configuration, logger: logger), policy: TokenPolicy(configuration: configuration))
        resolver = AccountResolver(configuration: configuration, cache: nil)
        settings = configuration.databaseSettings(applicationName: "push-daemon-auth")
        self.logger = logger
    }

    func authenticate(_ token: String?, completion: @escaping @Sendable (Outcome) -> Void) {
        queue.async { [self] in completion(decide(token)) }
    }

    private func decide(_ token: String?) -> Outcome {
        guard let token, !token.isEmpty else { return .refused(.missing) }
        let verified: VerifiedToken
        switch verifier.verify(token) {
        case let .success(value): verified = value
        case let .failure(rejection): return .refused(rejection)
        }
        // A connection the server closed while idle (a Postgres restart) fails once: then a fresh one.
        for attempt in 1...2 {
            do {
                let db = try database()
                let caller = try resolver.caller(for: verified, db: db, changed: { AccountStore(db).wakePushDaemons() })
                return .accepted(userId: caller.userId, validUntil: verified.validUntil)
            } catch let rejection as TokenRejection {
                return .refused(rejection)
            } catch let error as PostgresError where error.isConnectionFailure && attempt == 1 {
                connection = nil
            } catch {
                connection = nil
                logger.warning("cannot check the account of an upgrade", metadata: ["error": "\(type(of: error))"])
                return .unavailable
            }
        }
        return .unavailable
    }

    private func database() throws -> PostgresConnection {
        connection?.checkIdleConnection()
        if let connection, connection.isConnected { return connection }
        let fresh = try PostgresConnection(settings: settings)
        connection = fresh
        return fresh
    }
}
