import CLibPQ

/// Owns a PGresult; `PQclear` happens here and nowhere else.
public final class PostgresResult {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }
    deinit { PQclear(handle) }

    public var rowCount: Int { Int(PQntuples(handle)) }

    /// Text value of a cell, nil for SQL NULL.
    public func string(_ row: Int, _ column: Int) -> String? {
        guard PQgetisnull(handle, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    public func int(_ row: Int, _ column: Int) -> Int64? {
        string(row, column).flatMap { Int64($0) }
    }

    /// Postgres renders booleans as "t" / "f" in text format.
    public func bool(_ row: Int, _ column: Int) -> Bool? {
        string(row, column).map { $0 == "t" }
    }

    /// A value the statement guarantees (a NOT NULL column, a coalesce, a function's result).
    /// NULL or text that does not parse means the code and the schema disagree: an error (a 500
    /// and a log line), never a made-up default and never a crash.
    public func required<Value: LosslessStringConvertible>(_ row: Int, _ column: Int, as type: Value.Type = Value.self) throws(PostgresError) -> Value {
        guard let text = string(row, column), let value = Value(text) else { throw unexpectedValue(row, column) }
        return value
    }

    /// `required` for a boolean ("t" / "f").
    public func requiredBool(_ row: Int, _ column: Int) throws(PostgresError) -> Bool {
        guard let value = bool(row, column) else { throw unexpectedValue(row, column) }
        return value
    }

    private func unexpectedValue(_ row: Int, _ column: Int) -> PostgresError {
        let name = PQfname(handle, Int32(column)).map { String(cString: $0) } ?? "?"
        return PostgresError(kind: .unexpectedResult, sqlState: nil, serverMessage: "row \(row), column \(name): NULL or not the expected type")
    }

    /// Number of rows an INSERT/UPDATE/DELETE touched.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }
}
