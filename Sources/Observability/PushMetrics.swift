import Foundation
import Logging
import MessagingCore
import Prometheus

/// The push daemon's metrics (names in MetricCatalog), served on `push_metrics_listen`.
/// Thread-safe: call from any event loop or thread. Wiring in the daemon:
///
///     let metrics = PushMetrics()
///     try metrics.serve(configuration: configuration, logger: logger)   // at start-up
///     HookFailures.observe { metrics.common.hookFailures(kind: $0.rawValue) }   // import Hooks
///     metrics.clientConnected() / metrics.clientDisconnected()
///     metrics.framesSent(count, eventCreatedAt: createdAt)   // per batch of frames written
///     metrics.listenerReconnected()
///     metrics.common.postgresError(error) / metrics.common.postgresReconnects()
public final class PushMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// PostgreSQL and hook counters, shared with the pool.
    public let common: CommonMetrics
    private let connectedClients: Gauge
    private let framesSent: Counter
    private let deliveryLag: ValueHistogram
    private let listenerReconnects: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        common = CommonMetrics(registry: registry)
        connectedClients = registry.makeGauge(descriptor: MetricCatalog.pushConnectedClients)
        framesSent = registry.makeCounter(descriptor: MetricCatalog.pushFramesSent)
        deliveryLag = registry.makeValueHistogram(descriptor: MetricCatalog.pushDeliveryLag, buckets: MetricCatalog.deliveryLagBuckets)
        listenerReconnects = registry.makeCounter(descriptor: MetricCatalog.pushListenerReconnects)
    }

    /// Starts the endpoint on `push_metrics_listen` (nothing when it is `off`). A port that is
    /// taken throws `Configuration.Invalid` naming the key.
    public func serve(configuration: Configuration, logger: Logger = Logger(label: "push-daemon.metrics")) throws {
        guard let address = configuration.pushMetricsListen else { return }
        let registry = self.registry
        do {
            try MetricsHTTPServer(address: address, logger: logger) { registry.emitToBuffer() }.start()
        } catch {
            throw Configuration.Invalid(key: "push_metrics_listen", problem: "\(error)")
        }
    }

    public func clientConnected() { connectedClients.increment() }
    public func clientDisconnected() { connectedClients.decrement() }

    /// `count` frames of one event written to as many connections (each one lag observation);
    /// `eventCreatedAt` is the event row's `created_at` (its commit time, near enough), so the lag
    /// covers NOTIFY, read and fan-out. One call per batch: the clock is read once.
    public func framesSent(_ count: Int = 1, eventCreatedAt: Date?, now: Date = Date()) {
        guard count > 0 else { return }
        framesSent.increment(by: Int64(count))
        guard let eventCreatedAt else { return }
        let lag = max(0, now.timeIntervalSince(eventCreatedAt))
        for _ in 0..<count { deliveryLag.record(lag) }
    }

    public func listenerReconnected() { listenerReconnects.increment() }
}
