import Foundation
import Postgres

/// Hook failures counted per minute by every process that runs hooks (see HookFailureLedger), and
/// their sum for the status page.
public struct HookFailureStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Adds `tallies` (counted since the last call) to this minute's rows of `reporter`.
    public func add(_ tallies: [HookFailureTally], reporter: String) throws(PostgresError) {
        guard !tallies.isEmpty else { return }
        let rows = JSON.array(tallies.map { tally in
            .object([
                ("script", .string(tally.script)), ("function", .string(tally.function)), ("kind", .string(tally.kind)),
                ("count", .int(Int64(tally.count))), ("last_at", .string(Self.timestamp(tally.lastAt))), ("last_error", JSON(tally.lastError)),
            ])
        })
        _ = try db.query("""
            INSERT INTO hook_failure_counts AS c (minute, reporter, script, function, kind, count, last_at, last_error)
            SELECT date_trunc('minute', r.last_at), $2, r.script, r.function, r.kind, r.count, r.last_at, r.last_error
            FROM json_to_recordset($1::json) AS r(script text, function text, kind text, count bigint, last_at timestamptz, last_error text)
            ON CONFLICT (minute, reporter, script, function, kind) DO UPDATE
               SET count = c.count + excluded.count,
                   last_at = greatest(c.last_at, excluded.last_at),
                   last_error = CASE WHEN excluded.last_at >= c.last_at THEN coalesce(excluded.last_error, c.last_error) ELSE c.last_error END
            """, [rows.serialized, reporter])
    }

    /// Per script, function and kind: the count in the last five minutes and the last day, and
    /// the latest error, over every reporter.
    public func summary() throws(PostgresError) -> [HookFailureSummary] {
        let result = try db.query("""
            SELECT script, function, kind,
                   coalesce(sum(count) FILTER (WHERE last_at > now() - interval '5 minutes'), 0)::bigint,
                   sum(count)::bigint,
                   to_json(max(last_at))#>>'{}',
                   (array_agg(last_error ORDER BY last_at DESC) FILTER (WHERE last_error IS NOT NULL))[1]
            FROM hook_failure_counts
            WHERE last_at > now() - interval '1 day'
            GROUP BY script, function, kind
            ORDER BY max(last_at) DESC
            """)
        return try (0..<result.rowCount).map { row throws(PostgresError) in
            HookFailureSummary(
                script: try result.required(row, 0), function: try result.required(row, 1), kind: try result.required(row, 2),
                lastFiveMinutes: try result.required(row, 3), lastDay: try result.required(row, 4),
                lastAt: try result.required(row, 5), lastError: result.string(row, 6))
        }
    }

    /// Drops rows older than a day (the summary never looks further back).
    public func purge() throws(PostgresError) {
        _ = try db.query("DELETE FROM hook_failure_counts WHERE last_at < now() - interval '1 day'")
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// Failures of one kind of one hook function, counted in one process since the last report.
public struct HookFailureTally: Sendable, Equatable {
    public let script: String
    public let function: String
    public let kind: String
    public var count: Int
    public var lastAt: Date
    public var lastError: String?

    public init(script: String, function: String, kind: String, count: Int, lastAt: Date, lastError: String?) {
        self.script = script
        self.function = function
        self.kind = kind
        self.count = count
        self.lastAt = lastAt
        self.lastError = lastError
    }
}

/// One line of the deployment-wide failure summary.
public struct HookFailureSummary: Sendable, Equatable {
    public let script: String
    public let function: String
    public let kind: String
    public let lastFiveMinutes: Int
    public let lastDay: Int
    /// ISO 8601, as PostgreSQL renders a timestamptz in JSON.
    public let lastAt: String
    public let lastError: String?

    public var json: JSON {
        .object([
            ("script", .string(script)), ("function", .string(function)), ("kind", .string(kind)),
            ("lastFiveMinutes", .int(Int64(lastFiveMinutes))), ("lastDay", .int(Int64(lastDay))),
            ("lastAt", .string(lastAt)), ("lastError", JSON(lastError)),
        ])
    }
}
