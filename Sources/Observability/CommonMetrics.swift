import MessagingCore
import Postgres
import Prometheus

/// The metrics both executables have: PostgreSQL failures and reconnects, H2AC hook failures.
/// The pool's supervisor feeds them with counts summed by its workers; the daemon calls them
/// directly. Labels are fixed small sets, so series cannot multiply.
public struct CommonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        // Created up front so every series shows 0 before the first failure (rate() needs a start).
        for kind in CommonMetrics.postgresErrorKinds { _ = registry.makeCounter(descriptor: MetricCatalog.postgresErrors, labels: [("kind", kind)]) }
        for function in CommonMetrics.hookFunctions {
            for kind in CommonMetrics.hookErrorKinds {
                _ = registry.makeCounter(descriptor: MetricCatalog.hookErrors, labels: [("kind", kind), ("function", function)])
            }
            _ = registry.makeCounter(descriptor: MetricCatalog.hookTimeouts, labels: [("function", function)])
        }
        _ = registry.makeCounter(descriptor: MetricCatalog.postgresReconnects)
    }

    public static let postgresErrorKinds = ["connection", "timeout", "statement"]
    public static let hookErrorKinds = ["runtime", "memory", "malformed", "suspended"]
    /// The `function` label: "script.function" of every hook the contract has.
    public static let hookFunctions = [
        "guidance.guidance", "guidance.validate_group", "guidance.next_steps",
        "notifications.on_message", "notifications.on_reaction", "notifications.on_read",
    ]

    /// Which `messaging_postgres_errors_total` kind an error counts as; nil for the project's own
    /// SQLSTATEs (CH403 and friends), which are answers to the client, not database failures.
    public static func postgresErrorKind(_ error: PostgresError, isDomainError: Bool) -> String? {
        if error.isConnectionFailure { return "connection" }
        if error.sqlState == "57014" { return "timeout" }
        return isDomainError ? nil : "statement"
    }

    /// `kind` is one of `postgresErrorKinds`.
    public func postgresErrors(kind: String, count: Int = 1) {
        guard CommonMetrics.postgresErrorKinds.contains(kind) else { return }
        registry.makeCounter(descriptor: MetricCatalog.postgresErrors, labels: [("kind", kind)]).increment(by: Int64(count))
    }

    /// A PostgresError as the store threw it (`isDomainError`: the API mapped it to a 4xx answer).
    public func postgresError(_ error: PostgresError, isDomainError: Bool = false) {
        if let kind = CommonMetrics.postgresErrorKind(error, isDomainError: isDomainError) { postgresErrors(kind: kind) }
    }

    public func postgresReconnects(count: Int = 1) {
        registry.makeCounter(descriptor: MetricCatalog.postgresReconnects).increment(by: Int64(count))
    }

    /// `kind` is "timeout" or one of `hookErrorKinds` (the raw values of Hooks' `HookFailure`);
    /// `function` one of `hookFunctions` (anything else is not counted: labels stay a fixed set).
    public func hookFailures(kind: String, function: String, count: Int = 1) {
        guard CommonMetrics.hookFunctions.contains(function) else { return }
        if kind == "timeout" {
            registry.makeCounter(descriptor: MetricCatalog.hookTimeouts, labels: [("function", function)]).increment(by: Int64(count))
        } else if CommonMetrics.hookErrorKinds.contains(kind) {
            registry.makeCounter(descriptor: MetricCatalog.hookErrors, labels: [("kind", kind), ("function", function)]).increment(by: Int64(count))
        }
    }
}
