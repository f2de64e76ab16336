import Foundation
import Hooks
import Logging
import MessagingCore

/// What one worker thread owns: its Postgres connection, its Lua state, and its caches of
/// verified tokens and known users. Never shared between threads.
final class WorkerContext {
    let configuration: Configuration
    let tokens: TokenService
    let wakeup: EventWakeup
    /// Shared by the process's threads: sends that arrive together are stored together.
    let sends: SendBatcher
    let metrics: WorkerMetrics
    let logger: Logger
    private var connection: PostgresConnection?
    private var verifiedTokens: [String: AuthenticatedToken] = [:]
    private var confirmedUsers: [Int64: Date] = [:]
    private var hookEngine: HookEngine?

    init(configuration: Configuration, tokens: TokenService, wakeup: EventWakeup, sends: SendBatcher, metrics: WorkerMetrics, logger: Logger) {
        self.configuration = configuration
        self.tokens = tokens
        self.wakeup = wakeup
        self.sends = sends
        self.metrics = metrics
        self.logger = logger
    }

    /// This thread's connection, (re)connected on demand. Failing to connect is a 503.
    func database() throws -> PostgresConnection {
        do {
            if let connection {
                if !connection.isConnected {
                    try connection.ensureConnected()
                    metrics.postgresReconnected()
                }
                return connection
            }
            let fresh = try PostgresConnection(settings: configuration.databaseSettings(applicationName: "fcgi-app"))
            connection = fresh
            return fresh
        } catch {
            metrics.postgresError(kind: "connection")
            throw APIError.databaseUnavailable
        }
    }

    /// This thread's Lua state for the H2AC hooks, created on first use.
    var hooks: HookEngine {
        if let hookEngine { return hookEngine }
        let engine = HookEngine(scriptsDirectory: configuration.hooksDirectory, logger: logger)
        hookEngine = engine
        return engine
    }

    /// Called between requests: drops a connection the server closed while it sat idle.
    func prepareForRequest() {
        connection?.checkIdleConnection()
    }

    /// The caller's id from `Authorization: Bearer <JWT>`; 401 for anything else, including a
    /// token for a user who does not exist. Verified tokens and existing users are cached.
    func authenticate(_ header: String?) throws -> Int64 {
        guard let token = header?.bearerToken.map(String.init) else { throw APIError.unauthorized }
        let now = Date()
        var verified = verifiedTokens[token]
        if verified == nil {
            verified = tokens.verifyBlocking(token)
            if let verified {
                if verifiedTokens.count > 10_000 { verifiedTokens.removeAll() }
                verifiedTokens[token] = verified
            }
        }
        guard let verified, verified.expiresAt > now else { throw APIError.unauthorized }
        if let confirmed = confirmedUsers[verified.userId], now.timeIntervalSince(confirmed) < 60 { return verified.userId }
        let exists: Bool
        do {
            exists = try UserStore(try database()).exists(id: verified.userId)
        } catch let error as PostgresError {
            metrics.postgresError(error, isDomainError: false)
            throw APIError.from(error) ?? APIError.databaseUnavailable
        }
        guard exists else { throw APIError.unauthorized }
        if confirmedUsers.count > 100_000 { confirmedUsers.removeAll() }
        confirmedUsers[verified.userId] = now
        return verified.userId
    }
}
