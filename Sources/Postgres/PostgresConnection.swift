import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. Not thread-safe: each thread owns its own. Closed in `deinit`.
///
/// Statements run through `query`, which prepares each distinct SQL text once per connection
/// and binds every value as a parameter.
public final class PostgresConnection {
    public struct Settings: Sendable {
        /// A libpq connection string or URI (`host=/path dbname=x` or `postgresql://...`).
        public var dsn: String
        public var applicationName: String
        /// Server-side cap on any one statement, so no request hangs on a lock or a slow plan.
        public var statementTimeoutMilliseconds: Int
        public var connectTimeoutSeconds: Int

        public init(dsn: String, applicationName: String, statementTimeoutMilliseconds: Int = 5000, connectTimeoutSeconds: Int = 2) {
            self.dsn = dsn
            self.applicationName = applicationName
            self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
            self.connectTimeoutSeconds = connectTimeoutSeconds
        }
    }

    private var handle: OpaquePointer?
    private var preparedStatements: [String: String] = [:]
    public let settings: Settings

    public init(settings: Settings) throws(PostgresError) {
        self.settings = settings
        try connect()
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    private func connect() throws(PostgresError) {
        if let old = handle { PQfinish(old) }
        handle = nil
        preparedStatements.removeAll()
        // Keywords and values travel separately: nothing is concatenated into the DSN.
        // expand_dbname=1 lets `dbname` carry the operator's whole connection string.
        // jit=off: every statement here is short, and a plan whose estimate crosses
        // jit_above_cost (a search over a user's conversations) spent 59-94 ms in JIT for plan
        // nodes that took 10-25 ms (W6: common-term search p50 93 → 246 ms with JIT).
        let keywords = ["dbname", "application_name", "options", "connect_timeout"]
        let values = [
            settings.dsn, settings.applicationName,
            "-c statement_timeout=\(settings.statementTimeoutMilliseconds) -c TimeZone=UTC -c client_min_messages=warning -c jit=off",
            String(settings.connectTimeoutSeconds),
        ]
        let conn = withCStringArray(keywords) { k in
            withCStringArray(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn else { throw PostgresError(kind: .connection, sqlState: nil, serverMessage: "out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(kind: .connection, sqlState: nil, serverMessage: message)
        }
        handle = conn
    }

    /// True while libpq believes the connection is usable.
    public var isConnected: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Reconnects if the connection was lost; a no-op otherwise.
    public func ensureConnected() throws(PostgresError) {
        if !isConnected { try connect() }
    }

    /// Before reusing an idle connection: a server that shut down or restarted has sent a
    /// termination notice or closed the socket, which shows as readable. An idle connection that
    /// does not LISTEN never has anything to read otherwise, so it is dropped, and the next
    /// `ensureConnected` reconnects instead of failing the request on a dead socket.
    public func checkIdleConnection() {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return }
        PQfinish(handle)
        self.handle = nil
        preparedStatements.removeAll()
    }

    /// Runs one parameterized statement. The SQL text is prepared on first use.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresBindable)?] = []) throws(PostgresError) -> PostgresResult {
        try ensureConnected()
        guard let conn = handle else { throw PostgresError(kind: .connection, sqlState: nil, serverMessage: "not connected") }
        let name: String
        if let existing = preparedStatements[sql] {
            name = existing
        } else {
            name = "s\(preparedStatements.count)"
            let prepared = PQprepare(conn, name, sql, Int32(parameters.count), nil)
            _ = try check(prepared, conn: conn)
            preparedStatements[sql] = name
        }
        let texts = parameters.map { $0?.postgresText }
        let result = withOptionalCStringArray(texts) { values in
            PQexecPrepared(conn, name, Int32(texts.count), values, nil, nil, 0)
        }
        return try check(result, conn: conn)
    }

    /// Runs SQL text that takes no parameters and may hold several statements (migrations,
    /// LISTEN, transaction control). Never pass text built from input here.
    @discardableResult
    public func execute(script: String) throws(PostgresError) -> PostgresResult {
        try ensureConnected()
        guard let conn = handle else { throw PostgresError(kind: .connection, sqlState: nil, serverMessage: "not connected") }
        return try check(PQexec(conn, script), conn: conn)
    }

    /// BEGIN ... COMMIT around `body`; ROLLBACK if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute(script: "BEGIN")
        do {
            let value = try body()
            try execute(script: "COMMIT")
            return value
        } catch {
            if isConnected { _ = try? execute(script: "ROLLBACK") }
            throw error
        }
    }

    private func check(_ result: OpaquePointer?, conn: OpaquePointer) throws(PostgresError) -> PostgresResult {
        guard let result else {
            throw PostgresError(kind: .connection, sqlState: nil, serverMessage: String(cString: PQerrorMessage(conn)))
        }
        let owned = PostgresResult(handle: result)
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return owned
        default:
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let constraint = PQresultErrorField(result, Int32(UInt8(ascii: "n"))).map { String(cString: $0) }
            let detail = PQresultErrorField(result, Int32(UInt8(ascii: "D"))).map { String(cString: $0) }
            let message = String(cString: PQresultErrorMessage(result))
            let lost = PQstatus(conn) != CONNECTION_OK
            throw PostgresError(kind: lost ? .connection : .statement, sqlState: sqlState, serverMessage: message, constraint: constraint, detail: detail)
        }
    }
}

// MARK: LISTEN / NOTIFY

extension PostgresConnection {
    public struct Notification: Sendable {
        public let channel: String
        public let payload: String
    }

    /// The socket to wait on for notifications (poll/epoll), or -1 when not connected.
    public var socketDescriptor: Int32 {
        guard let handle else { return -1 }
        return PQsocket(handle)
    }

    /// Reads what arrived on the socket and returns the notifications received so far.
    public func drainNotifications() throws(PostgresError) -> [Notification] {
        guard let conn = handle else { throw PostgresError(kind: .connection, sqlState: nil, serverMessage: "not connected") }
        guard PQconsumeInput(conn) == 1 else {
            throw PostgresError(kind: .connection, sqlState: nil, serverMessage: String(cString: PQerrorMessage(conn)))
        }
        var received: [Notification] = []
        while let notify = PQnotifies(conn) {
            received.append(Notification(channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return received
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    // Keyword/value arrays for PQconnectdbParams end with a NULL entry, which this adds.
    withOptionalCStringArray(strings.map { Optional($0) }, body)
}

private func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let buffers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { for buffer in buffers { free(buffer) } }
    var pointers: [UnsafePointer<CChar>?] = buffers.map { $0.map { UnsafePointer($0) } }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
