import Foundation

/// Every setting of the pool, the daemon and the admin CLI: one documented key each, a default,
/// read from a `key = value` file and overridden by `MESSAGING_<KEY>` environment variables.
/// A bad value stops start-up with a message naming the key.
public struct Configuration: Sendable {
    public var databaseURL: String
    /// Read replicas' connection strings (see ReadReplicas); empty: every read goes to database_url.
    public var databaseReplicas: [String]
    public var replicaMaxLagMilliseconds: Int
    public var replicaRetrySeconds: Int
    public var jwtSecret: String
    /// The platform's keys; nil when only our own HS256 secret signs tokens.
    public var jwks: JWKSSource?
    public var jwksRefreshSeconds: Int
    public var jwksMinRefreshSeconds: Int
    /// Accepted `iss` values and `aud` values; empty: not checked.
    public var jwtIssuers: [String]
    public var jwtAudiences: [String]
    public var jwtLeewaySeconds: Int
    public var jwtRequireExpiry: Bool
    /// Create users on first sight of a valid token (`provision_users = from_token`).
    public var provisionFromToken: Bool
    /// A token's changed claims update the profile at most this often per user.
    public var profileSyncSeconds: Int
    public var claimUsername: String
    public var claimDisplayName: String
    public var claimAvatar: String
    public var claimRoles: String
    public var fcgiListen: String
    public var fcgiSocketMode: Int
    public var fcgiWorkers: Int
    public var fcgiThreads: Int
    public var fcgiMaxRequests: Int
    public var sendBatchMax: Int
    public var sendBatchesInFlight: Int
    public var notifyMinIntervalMicroseconds: Int
    public var fcgiDrainSeconds: Int
    public var pushListen: String
    /// nil when `off`.
    public var metricsListen: String?
    public var pushMetricsListen: String?
    public var hooksDirectory: String
    public var eventRetentionHours: Int
    /// Messages older than this are purged (0: kept forever); see RetentionStore.
    public var retentionDays: Int
    public var retentionPurgeIntervalSeconds: Int
    public var maxBodyBytes: Int
    public var maxMessageCharacters: Int
    public var statementTimeoutMilliseconds: Int
    public var logLevel: String
    public var testRoutes: Bool
    /// Who may read hook status and previews (see StaffPolicy).
    public var staffUserIds: Set<Int64>
    /// Per-user token buckets by kind of request (see RateLimits).
    public var rateLimits: RateLimits
    /// Staff (StaffPolicy) are not rate limited.
    public var rateLimitExemptStaff: Bool
    /// Where people open the web client (`messaging-admin token --link` links to it).
    public var webURL: String
    /// The push daemon's connection and log-reading limits (`push_*` keys).
    public var push: PushLimits

    /// The documented keys, their defaults and what they mean; `docs/configuration.md` and
    /// `messaging-admin config` print this table.
    public static let keys: [(key: String, defaultValue: String, doc: String)] = [
        ("database_url", "host=/run/postgresql dbname=messaging", "libpq connection string or URI of the PostgreSQL database. For a replicated cluster, every node with target_session_attrs=read-write (host=a,b,c port=5432,5432,5432 ... target_session_attrs=read-write): a connection always reaches the current primary, and finds the new one after a failover (docs/SCALING.md)."),
        ("database_replicas", "", "Read replicas: libpq connection strings separated by ';' (add target_session_attrs=standby so a node that became primary is left out). History pages, the conversation list, search, read state and guidance checks read from them in turn; empty: every read goes to database_url."),
        ("replica_max_lag_ms", "200", "How long a read waits for a replica to replay every commit the primary had when the read began (read-your-writes); a replica further behind is skipped and the read goes to the primary."),
        ("replica_retry_seconds", "5", "A replica that was down or lagging is tried again after this long."),
        ("jwt_secret", "", "Our own HS256 secret (tokens from messaging-admin token, without kid); at least 32 characters. May be empty when jwks is set: then only the platform's keys sign tokens."),
        ("jwks", "", "The platform's JSON Web Key Set: an absolute file path or an https URL (http only to a loopback host). RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA keys, chosen by the token's kid; each key's alg (or the one its type implies) is the only algorithm accepted for it."),
        ("jwks_refresh_seconds", "300", "How often a JWKS URL is fetched again; a JWKS file is re-read within a second of changing. A removed key stops being accepted then."),
        ("jwks_min_refresh_seconds", "10", "A token with an unknown kid makes the JWKS reload at once, at most this often per process (a rotated-in key works without a restart; made-up kids cannot flood the platform)."),
        ("jwt_issuer", "", "Comma-separated accepted iss values; empty: iss is not checked. Our own tokens carry the first one."),
        ("jwt_audience", "", "Comma-separated accepted aud values (a token must name one); empty: aud is not checked. Our own tokens carry the first one."),
        ("jwt_leeway_seconds", "30", "Clock skew allowed when checking exp and nbf."),
        ("jwt_require_exp", "true", "Refuse tokens without exp (token_missing_expiry). false accepts them: only for a platform whose tokens cannot carry one."),
        ("provision_users", "off", "off: a token's user must exist (created by the service API or messaging-admin). from_token: a valid token for an unknown sub creates the user from its claims, and later tokens update the profile (at most once per profile_sync_seconds). Only tokens signed by a JWKS key do this; our own HS256 tokens name existing users."),
        ("profile_sync_seconds", "60", "With provision_users = from_token: changed claims update a user's profile at most this often."),
        ("claim_username", "preferred_username", "Claim holding the username (made valid and unique when needed)."),
        ("claim_display_name", "name", "Claim holding the display name (kept as given)."),
        ("claim_avatar", "picture", "Claim holding the avatar URL."),
        ("claim_roles", "roles", "Claim holding the user's roles (an array, or a space-separated string; a dotted name reaches into objects, e.g. realm_access.roles). staff, moderator and admin are recognized. Empty: roles come only from the service API."),
        ("fcgi_listen", "unix:/run/messaging/fcgi.sock", "Where the FastCGI pool listens: unix:/path or tcp:host:port (ignored under systemd socket activation)."),
        ("fcgi_socket_mode", "0660", "Octal permissions of the FastCGI unix socket (nginx's user must be able to connect)."),
        ("fcgi_workers", "1", "Number of FastCGI worker processes. One (the default) stores all sends as one stream of group commits, the fastest shape (BENCHMARKS.md); more isolate crashes at a cost in throughput."),
        ("fcgi_threads", "16", "Threads per worker process; each holds one Postgres connection."),
        ("fcgi_max_requests", "1000000", "A worker is replaced after serving this many requests (0: never); a guard against slow leaks, not a routine: at 10,000 a W1 load replaced each worker every 5 s, each time with new database sessions."),
        ("send_batch_max", "32", "Most sends a worker process stores in one transaction (group commit); 1 stores each send alone."),
        ("send_batches_in_flight", "1", "Send transactions a worker process runs at once; sends arriving meanwhile wait and go in the next one (more than 1 measured worse: batches then wait on each other's room locks)."),
        ("notify_min_interval_us", "2000", "Under load, each worker process wakes the push daemons (NOTIFY) at most once per this many microseconds; commits in between share the next wake-up, and a lone send, while no wake-up is owed, wakes them from its own transaction (delivered at its commit). 0: a NOTIFY after every commit burst."),
        ("fcgi_drain_seconds", "30", "On stop or reload, how long in-flight requests may take before workers are killed."),
        ("push_listen", "127.0.0.1:8090", "host:port where the push daemon accepts WebSocket upgrades from nginx."),
        ("metrics_listen", "127.0.0.1:9464", "host:port of the pool's Prometheus endpoint (GET /metrics), or off. Keep it on loopback or a private network; nginx never routes to it."),
        ("push_metrics_listen", "127.0.0.1:9465", "host:port of the push daemon's Prometheus endpoint (GET /metrics), or off. Each pool and daemon on a host needs its own port."),
        ("hooks_dir", "lua", "Folder of the H2AC Lua scripts; changes are picked up within a second."),
        ("event_retention_hours", "168", "How long events stay replayable; older cursors get resync_required."),
        ("retention_days", "0", "Messages older than this many days are purged by the push daemons' retention job: tombstoned (text, media, earlier versions and reactions gone, and their copies in the event log), members get message_deleted with removal retention. 0 keeps messages forever. A conversation's own retention (admins: PUT /api/admin/conversations/:id/retention) applies where it is shorter."),
        ("retention_purge_interval_seconds", "600", "How often each push daemon runs the retention job (one at a time across daemons; each run purges in batches until nothing is due)."),
        ("max_body_bytes", "65536", "Largest request body accepted (keep equal to nginx's client_max_body_size)."),
        ("max_message_chars", "4000", "Longest message content, in characters."),
        ("statement_timeout_ms", "5000", "Server-side cap on any one SQL statement."),
        ("log_level", "info", "trace, debug, info, notice, warning, error or critical."),
        ("rate_limits", "send=5/s:30, conversation=1/s:10, react=5/s:30, edit=2/s:20, delete=2/s:20, read=10/s:60, group_admin=2/s:30, search=2/s:20",
         "Per-user limits: action=count/unit:burst, comma-separated (unit s, m or h; the burst is how many may come at once). Actions: send, conversation (direct and group creation), react, edit, delete, read, group_admin, search. An action not listed is not limited. Shared by every worker process and pool host (the buckets live in PostgreSQL); messaging-admin rate-limit sets one user's own."),
        ("rate_limit_exempt_staff", "true", "Staff (staff_user_ids or the staff role) are not rate limited."),
        ("staff_user_ids", "", "Comma-separated user ids of product staff: they may read GET /api/h2ac/status and preview hook decisions. Users with the staff role count as staff too."),
        ("web_url", "http://127.0.0.1:8080/", "Where people open the web client (web/, served by nginx at /): `messaging-admin token --link` prints sign-in links to it (http or https)."),
        ("test_routes", "false", "Enables test-only routes (WebSocket echo for protocol conformance). Never in production."),
        ("push_daemon_id", "", "Names this daemon's presence rows; empty: hostname:port. Keep it stable across restarts of the same daemon."),
        ("push_threads", "0", "Event-loop threads of the push daemon; 0: one per core."),
        ("push_ping_seconds", "30", "A WebSocket ping after this long without traffic from the client."),
        ("push_idle_timeout_seconds", "75", "A connection silent this long (not even a pong) is closed; raised to 2 x ping + 1 if lower."),
        ("push_slow_reader_grace_seconds", "10", "A client that cannot keep up for this long (its socket unwritable, or a probe ping unanswered) is disconnected (it resumes with its cursor)."),
        ("push_max_buffered_bytes", "2097152", "Bytes waiting in the daemon for one slow client before it is disconnected at once; so is one with twice this sent and not yet acknowledged (pings measure it end to end, through nginx)."),
        ("push_poll_interval_ms", "1000", "The daemon reads the event log at least this often, even without a NOTIFY."),
        ("push_max_replay_events", "2000", "A resume that would replay more events than this gets resync_required."),
        ("push_purge_interval_seconds", "600", "How often events older than event_retention_hours are deleted."),
        ("push_max_connections_per_user", "20", "Push-stream connections one user may hold on one daemon; a connection beyond it closes that user's oldest one there with 4008 too_many_connections."),
    ]

    public struct Invalid: Error, CustomStringConvertible {
        public let key: String
        public let problem: String
        public init(key: String, problem: String) {
            self.key = key
            self.problem = problem
        }
        public var description: String { "configuration key '\(key)': \(problem)" }
    }

    /// Loads `path` (if given) and the environment over the defaults, then validates.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Configuration {
        var values = Dictionary(uniqueKeysWithValues: keys.map { ($0.key, $0.defaultValue) })
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Invalid(key: "config", problem: "cannot read file \(path)")
            }
            for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let eq = line.firstIndex(of: "=") else {
                    throw Invalid(key: "line \(number + 1)", problem: "expected 'key = value' in \(path)")
                }
                let key = line[..<eq].trimmingCharacters(in: .whitespaces)
                guard values[key] != nil else { throw Invalid(key: key, problem: "unknown key in \(path)") }
                values[key] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            }
        }
        for (key, _, _) in keys {
            if let value = environment["MESSAGING_" + key.uppercased()] { values[key] = value }
        }
        return try Configuration(values: values)
    }

    init(values: [String: String]) throws {
        func text(_ key: String) -> String { values[key] ?? "" }
        func integer(_ key: String, _ range: ClosedRange<Int>, radix: Int = 10) throws -> Int {
            guard let n = Int(text(key), radix: radix), range.contains(n) else {
                throw Invalid(key: key, problem: "'\(text(key))' is not a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return n
        }
        databaseURL = text("database_url")
        if databaseURL.isEmpty { throw Invalid(key: "database_url", problem: "must not be empty") }
        databaseReplicas = text("database_replicas").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        replicaMaxLagMilliseconds = try integer("replica_max_lag_ms", 0...60_000)
        replicaRetrySeconds = try integer("replica_retry_seconds", 1...3600)
        jwtSecret = text("jwt_secret")
        if text("jwks").isEmpty {
            jwks = nil
        } else {
            jwks = try JWKSSource.parse(text("jwks")).get()
        }
        if jwtSecret.isEmpty && jwks == nil { throw Invalid(key: "jwt_secret", problem: "must be set (at least 32 characters) unless jwks is") }
        if !jwtSecret.isEmpty && jwtSecret.utf8.count < 32 { throw Invalid(key: "jwt_secret", problem: "must be at least 32 characters") }
        jwksRefreshSeconds = try integer("jwks_refresh_seconds", 1...86_400)
        jwksMinRefreshSeconds = try integer("jwks_min_refresh_seconds", 0...3600)
        jwtIssuers = Configuration.list(text("jwt_issuer"))
        jwtAudiences = Configuration.list(text("jwt_audience"))
        jwtLeewaySeconds = try integer("jwt_leeway_seconds", 0...600)
        jwtRequireExpiry = try Configuration.flag(text("jwt_require_exp"), key: "jwt_require_exp")
        switch text("provision_users") {
        case "off": provisionFromToken = false
        case "from_token": provisionFromToken = true
        default: throw Invalid(key: "provision_users", problem: "expected off or from_token")
        }
        profileSyncSeconds = try integer("profile_sync_seconds", 1...86_400)
        claimUsername = text("claim_username")
        claimDisplayName = text("claim_display_name")
        claimAvatar = text("claim_avatar")
        claimRoles = text("claim_roles")
        for key in ["claim_username", "claim_display_name", "claim_avatar"] where text(key).isEmpty {
            throw Invalid(key: key, problem: "must name a claim")
        }
        fcgiListen = text("fcgi_listen")
        guard fcgiListen.hasPrefix("unix:/") || fcgiListen.hasPrefix("tcp:") else {
            throw Invalid(key: "fcgi_listen", problem: "expected unix:/path or tcp:host:port")
        }
        fcgiSocketMode = try integer("fcgi_socket_mode", 0...0o777, radix: 8)
        fcgiWorkers = try integer("fcgi_workers", 1...256)
        fcgiThreads = try integer("fcgi_threads", 1...256)
        fcgiMaxRequests = try integer("fcgi_max_requests", 0...Int(Int32.max))
        fcgiDrainSeconds = try integer("fcgi_drain_seconds", 0...3600)
        sendBatchMax = try integer("send_batch_max", 1...1000)
        sendBatchesInFlight = try integer("send_batches_in_flight", 1...256)
        notifyMinIntervalMicroseconds = try integer("notify_min_interval_us", 0...1_000_000)
        pushListen = text("push_listen")
        guard Configuration.hostPort(pushListen) != nil else { throw Invalid(key: "push_listen", problem: "expected host:port") }
        func listenOrOff(_ key: String) throws -> String? {
            let value = text(key)
            if value == "off" { return nil }
            guard Configuration.hostPort(value) != nil else { throw Invalid(key: key, problem: "expected host:port or off") }
            return value
        }
        metricsListen = try listenOrOff("metrics_listen")
        pushMetricsListen = try listenOrOff("push_metrics_listen")
        hooksDirectory = text("hooks_dir")
        eventRetentionHours = try integer("event_retention_hours", 1...24 * 365)
        retentionDays = try integer("retention_days", 0...36_500)
        retentionPurgeIntervalSeconds = try integer("retention_purge_interval_seconds", 1...86_400)
        maxBodyBytes = try integer("max_body_bytes", 1024...64 * 1024 * 1024)
        maxMessageCharacters = try integer("max_message_chars", 1...1_000_000)
        statementTimeoutMilliseconds = try integer("statement_timeout_ms", 100...600_000)
        logLevel = text("log_level")
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw Invalid(key: "log_level", problem: "'\(logLevel)' is not a log level")
        }
        push = PushLimits(
            daemonId: text("push_daemon_id"),
            threads: try integer("push_threads", 0...256),
            pingSeconds: try integer("push_ping_seconds", 1...3600),
            idleTimeoutSeconds: try integer("push_idle_timeout_seconds", 2...7200),
            slowReaderGraceSeconds: try integer("push_slow_reader_grace_seconds", 1...600),
            maxBufferedBytes: try integer("push_max_buffered_bytes", 64 * 1024...256 * 1024 * 1024),
            pollIntervalMilliseconds: try integer("push_poll_interval_ms", 10...60_000),
            maxReplayEvents: try integer("push_max_replay_events", 1...1_000_000),
            purgeIntervalSeconds: try integer("push_purge_interval_seconds", 1...86_400),
            maxConnectionsPerUser: try integer("push_max_connections_per_user", 1...100_000))
        staffUserIds = try Configuration.idList(text("staff_user_ids"), key: "staff_user_ids")
        rateLimits = try RateLimits.parse(text("rate_limits")).get()
        rateLimitExemptStaff = try Configuration.flag(text("rate_limit_exempt_staff"), key: "rate_limit_exempt_staff")
        webURL = text("web_url")
        guard let scheme = webURL.split(separator: ":").first?.lowercased(), ["http", "https"].contains(scheme),
              webURL.contains("://"), !webURL.contains("#") else {
            throw Invalid(key: "web_url", problem: "expected an http(s) URL without a #fragment")
        }
        testRoutes = try Configuration.flag(text("test_routes"), key: "test_routes")
    }

    static func flag(_ text: String, key: String) throws -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw Invalid(key: key, problem: "expected true or false")
        }
    }

    /// "a, b" as ["a", "b"]; empty is none.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// "1, 2,3" as ids; empty is none. Each must be a positive integer.
    static func idList(_ text: String, key: String) throws -> Set<Int64> {
        var ids: Set<Int64> = []
        for part in text.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let id = Int64(trimmed), id > 0, String(id) == trimmed else {
                throw Invalid(key: key, problem: "'\(trimmed)' is not a positive integer id")
            }
            ids.insert(id)
        }
        return ids
    }

    /// Splits "host:port" (port 1-65535).
    public static func hostPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }

    /// The config file a command should read: an explicit path, $MESSAGING_CONFIG, or the
    /// running dev stack's file when run from the project root.
    public static func locate(explicit: String?) -> String? {
        if let explicit { return explicit }
        if let fromEnvironment = ProcessInfo.processInfo.environment["MESSAGING_CONFIG"] { return fromEnvironment }
        let devStack = "var/dev/messaging.conf"
        return FileManager.default.fileExists(atPath: devStack) ? devStack : nil
    }

    public func databaseSettings(applicationName: String) -> PostgresSettings {
        PostgresSettings(dsn: databaseURL, applicationName: applicationName, statementTimeoutMilliseconds: statementTimeoutMilliseconds)
    }

    /// One per `database_replicas` entry.
    public func replicaSettings(applicationName: String) -> [PostgresSettings] {
        databaseReplicas.map { PostgresSettings(dsn: $0, applicationName: applicationName, statementTimeoutMilliseconds: statementTimeoutMilliseconds) }
    }
}

/// The push daemon's tunables, validated with the other keys.
public struct PushLimits: Sendable {
    public var daemonId: String
    public var threads: Int
    public var pingSeconds: Int
    public var idleTimeoutSeconds: Int
    public var slowReaderGraceSeconds: Int
    public var maxBufferedBytes: Int
    public var pollIntervalMilliseconds: Int
    public var maxReplayEvents: Int
    public var purgeIntervalSeconds: Int
    public var maxConnectionsPerUser: Int
}
