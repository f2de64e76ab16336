/// A failure from libpq or the server. `serverMessage` is for logs only: it may contain data and
/// must never be sent to a client (the API maps errors to its own wording).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Could not connect, or the connection broke: the server is down or restarting.
        case connection
        /// The server rejected a statement; `sqlState` says why.
        case statement
        /// The statement ran, but a value it guarantees was NULL or of another type (see
        /// `PostgresResult.required`): the code and the schema disagree.
        case unexpectedResult
    }

    public let kind: Kind
    /// Five-character SQLSTATE, e.g. "23505" (unique violation); nil for connection failures.
    public let sqlState: String?
    public let serverMessage: String
    /// The name of the violated constraint, when there is one.
    public let constraint: String?
    /// The DETAIL field; the project's own functions use it for client-supplied values (ids).
    public let detail: String?

    public init(kind: Kind, sqlState: String?, serverMessage: String, constraint: String? = nil, detail: String? = nil) {
        self.detail = detail
        self.kind = kind
        self.sqlState = sqlState
        self.serverMessage = serverMessage
        self.constraint = constraint
    }

    /// Class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now) mean "try later".
    public var isConnectionFailure: Bool {
        if kind == .connection { return true }
        guard let state = sqlState else { return false }
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
    }

    /// Deliberately generic: no SQL, no data.
    public var description: String {
        switch kind {
        case .connection: return "PostgresError(connection)"
        case .statement: return "PostgresError(sqlState: \(sqlState ?? "?"))"
        case .unexpectedResult: return "PostgresError(unexpected result)"
        }
    }
}
