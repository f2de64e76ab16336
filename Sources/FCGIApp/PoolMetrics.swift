import Foundation
import Logging
import MessagingCore
import Observability
import Prometheus

/// The supervisor's side of the pool metrics: one Prometheus registry fed by every worker's
/// reports (see WorkerMetrics) and by the supervisor's own events, served on `metrics_listen`.
final class PoolMetrics: @unchecked Sendable {  // `threadStates` is guarded by its lock; the registry is thread-safe
    let channel: PoolMetricsChannel
    private let registry = PrometheusCollectorRegistry()
    private let common: CommonMetrics
    private let logger: Logger
    /// Last reported (busy, total) threads per live worker; summed into the thread gauges.
    private let lock = NSLock()
    private var threadStates: [pid_t: (busy: Int, total: Int)] = [:]

    /// nil when `metrics_listen` is off. Binds the endpoint now, so a taken port stops start-up.
    static func start(_ configuration: Configuration, logger: Logger) throws -> PoolMetrics? {
        guard let address = configuration.metricsListen else { return nil }
        let metrics = try PoolMetrics(channel: PoolMetricsChannel.open(), logger: logger)
        let registry = metrics.registry
        do {
            try MetricsHTTPServer(address: address, logger: logger) { registry.emitToBuffer() }.start()
        } catch {
            throw Configuration.Invalid(key: "metrics_listen", problem: "\(error)")
        }
        let thread = Thread { metrics.receiveLoop() }
        thread.name = "metrics-receive"
        thread.start()
        return metrics
    }

    private init(channel: PoolMetricsChannel, logger: Logger) {
        self.channel = channel
        self.logger = logger
        common = CommonMetrics(registry: registry)
        for state in ["busy", "idle"] { registry.makeGauge(descriptor: MetricCatalog.fcgiThreads, labels: [("state", state)]).set(to: 0) }
        for reason in ["crash", "recycle"] { _ = registry.makeCounter(descriptor: MetricCatalog.fcgiWorkerRestarts, labels: [("reason", reason)]) }
        _ = registry.makeCounter(descriptor: MetricCatalog.fcgiReloads)
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while let datagram = channel.receive(into: &buffer) {
            guard let report = WorkerMetricsReport.decode(datagram) else { continue }
            apply(report)
        }
        logger.error("metrics channel closed; pool metrics stop updating")
    }

    private func apply(_ report: WorkerMetricsReport) {
        for (key, durations) in report.requestMicroseconds {
            let status = String(key.status)
            registry.makeCounter(descriptor: MetricCatalog.fcgiRequests, labels: [("route", key.route), ("status", status)])
                .increment(by: Int64(durations.count))
            let histogram = registry.makeDurationHistogram(
                descriptor: MetricCatalog.fcgiRequestDuration, labels: [("route", key.route)], buckets: MetricCatalog.requestDurationBuckets)
            for micros in durations { histogram.record(.microseconds(Int64(micros))) }
        }
        for (kind, count) in report.postgresErrors { common.postgresErrors(kind: kind, count: count) }
        if report.postgresReconnects > 0 { common.postgresReconnects(count: report.postgresReconnects) }
        for (key, count) in report.hookFailures {
            let parts = key.split(separator: "\t", maxSplits: 1).map(String.init)
            if parts.count == 2 { common.hookFailures(kind: parts[0], function: parts[1], count: count) }
        }
        if report.sendBatches.sends > 0 {
            registry.makeCounter(descriptor: MetricCatalog.fcgiSendBatches, labels: [("outcome", "together")]).increment(by: Int64(report.sendBatches.together))
            registry.makeCounter(descriptor: MetricCatalog.fcgiSendBatches, labels: [("outcome", "one_by_one")]).increment(by: Int64(report.sendBatches.oneByOne))
            registry.makeCounter(descriptor: MetricCatalog.fcgiBatchedSends).increment(by: Int64(report.sendBatches.sends))
        }
        lock.lock()
        // A worker's last report can arrive after it was reaped: only live workers count.
        if threadStates[report.pid] != nil { threadStates[report.pid] = (report.busyThreads, report.threads) }
        lock.unlock()
        updateThreadGauges()
    }

    func workerStarted(_ pid: pid_t) {
        lock.lock()
        threadStates[pid] = (0, 0)
        lock.unlock()
    }

    /// A worker was reaped: its threads no longer count. `reason` is nil for a worker retired by
    /// a reload or a stop (not a restart).
    func workerExited(_ pid: pid_t, restartReason reason: String?) {
        lock.lock()
        threadStates.removeValue(forKey: pid)
        lock.unlock()
        updateThreadGauges()
        if let reason { registry.makeCounter(descriptor: MetricCatalog.fcgiWorkerRestarts, labels: [("reason", reason)]).increment() }
    }

    func reloaded() { registry.makeCounter(descriptor: MetricCatalog.fcgiReloads).increment() }

    func processes(serving: Int, draining: Int) {
        registry.makeGauge(descriptor: MetricCatalog.fcgiWorkerProcesses, labels: [("state", "serving")]).set(to: Double(serving))
        registry.makeGauge(descriptor: MetricCatalog.fcgiWorkerProcesses, labels: [("state", "draining")]).set(to: Double(draining))
    }

    private func updateThreadGauges() {
        lock.lock()
        let busy = threadStates.values.reduce(0) { $0 + $1.busy }
        let total = threadStates.values.reduce(0) { $0 + $1.total }
        lock.unlock()
        registry.makeGauge(descriptor: MetricCatalog.fcgiThreads, labels: [("state", "busy")]).set(to: Double(busy))
        registry.makeGauge(descriptor: MetricCatalog.fcgiThreads, labels: [("state", "idle")]).set(to: Double(total - busy))
    }
}
