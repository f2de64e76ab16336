import Foundation
import Hooks
import Logging
import MessagingCore

/// What one worker thread owns: its Postgres connection, its Lua state, and its cache of
/// verified tokens. Never shared between threads (the process's account cache and its change feed
/// are shared and locked).
final class WorkerContext {
    let configuration: Configuration
    let identity: ProcessIdentity
    let wakeup: EventWakeup
    /// Shared by the process's threads: sends that arrive together are stored together.
    let sends: SendBatcher
    let metrics: WorkerMetrics
    let logger: Logger
    private var connection: DatabaseConnection?
    private lazy var replicas = ReadReplicas(settings: configuration.replicaSettings(applicationName: "fcgi-app-reads"),
                                             maxLagMilliseconds: configuration.replicaMaxLagMilliseconds,
                                             retrySeconds: configuration.replicaRetrySeconds)
    private var verifiedTokens: [String: VerifiedToken] = [:]
    private var hookEngine: HookEngine?
    /// This thread's remembered 429s (see `RateLimitRefusals`).
    var rateRefusals = RateLimitRefusals()

    init(configuration: Configuration, identity: ProcessIdentity, wakeup: EventWakeup, sends: SendBatcher, metrics: WorkerMetrics, logger: Logger) {
        self.configuration = configuration
        self.identity = identity
        self.wakeup = wakeup
        self.sends = sends
        self.metrics = metrics
        self.logger = logger
    }

    /// This thread's connection, (re)connected on demand. Failing to connect is a 503.
    func database() throws -> DatabaseConnection {
        do {
            if let connection {
                if !connection.isConnected {
                    try connection.ensureConnected()
                    metrics.postgresReconnected()
                }
                return connection
            }
            let fresh = try DatabaseConnection(settings: configuration.databaseSettings(applicationName: "fcgi-app"))
            connection = fresh
            return fresh
        } catch {
            metrics.postgresError(kind: "connection")
            throw APIError.databaseUnavailable
        }
    }

    /// Runs a read that a replica may serve: on a replica that has replayed every commit the
    /// primary had when the read began (so the caller's own last write, and whatever a push frame
    /// announced, is there), else on the primary. A replica that breaks or cancels the read (a
    /// conflict with recovery, 40001) is skipped and the read runs again on the primary: replicas
    /// never fail a request. Only for reads of logged tables: standbys have no UNLOGGED ones
    /// (presence, rate limits).
    func read<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        let primary = try database()
        guard !replicas.isEmpty else { return try body(primary) }
        let position = try ReplicationStore(primary).flushedPosition()
        guard let replica = replicas.connection(caughtUpTo: position) else { return try body(primary) }
        do {
            return try body(replica)
        } catch let error as DatabaseError where error.isConnectionFailure || error.sqlState == "40001" {
            replicas.skip(replica)
            return try body(primary)
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
    /// When this thread accepted the request being answered (monotonic nanoseconds).
    private(set) var requestAcceptedAt: UInt64 = 0

    func prepareForRequest(acceptedAt: UInt64) {
        requestAcceptedAt = acceptedAt
        connection?.checkIdleConnection()
    }

    /// The caller from `Authorization: Bearer <JWT>`: the token verified completely (cached per
    /// thread within one signing-key generation), then the account found or provisioned and
    /// checked. Every refusal is a 401 with its reason's code.
    func authenticate(_ header: String?) throws -> Caller {
        guard let token = header?.bearerToken.map(String.init), !token.isEmpty else { throw TokenRejection.missing.apiError }
        let now = Date()
        var verified = verifiedTokens[token]
        if let cached = verified, cached.keyGeneration != identity.verifier.keys.generation { verified = nil }
        if verified == nil {
            switch identity.verifier.verify(token, now: now) {
            case let .success(fresh):
                if verifiedTokens.count > 10_000 { verifiedTokens.removeAll() }
                verifiedTokens[token] = fresh
                verified = fresh
            case let .failure(rejection):
                throw rejection.apiError
            }
        }
        guard let verified, !verified.isExpired(at: now) else { throw TokenRejection.expired.apiError }
        identity.feed.catchUp()
        do {
            return try identity.resolver.caller(for: verified, db: try database(), changed: { wakeup.poke() })
        } catch let rejection as TokenRejection {
            throw rejection.apiError
        } catch let error as DatabaseError {
            metrics.postgresError(error, isDomainError: false)
            throw APIError.from(error) ?? APIError.databaseUnavailable
        }
    }
}
