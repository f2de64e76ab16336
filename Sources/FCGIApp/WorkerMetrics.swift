import Foundation
import Hooks
import MessagingCore
import Observability

/// A worker process's side of the pool metrics: request threads record into one locked report,
/// and a reporting thread sends it to the supervisor about once a second (and once more before
/// the process exits), so counts are pool-wide and exact. Without a channel (a worker started
/// by hand) everything is recorded and dropped.
final class WorkerMetrics: @unchecked Sendable {  // `pending` is guarded by `lock`, sends by `sendLock`
    private let descriptor: Int32?
    private let lock = NSLock()
    private var pending: WorkerMetricsReport
    /// Serializes sends: the reporting thread and the final flush at exit.
    private let sendLock = NSLock()

    init(descriptor: Int32?) {
        self.descriptor = descriptor.flatMap { PoolMetricsChannel.isChannel($0) ? $0 : nil }
        pending = WorkerMetricsReport(pid: getpid())
    }

    /// Starts the reporting thread; `threadStates` gives (busy, total) at each report. Hook
    /// failures are counted here and told to `ledger` (the status page's source).
    func startReporting(ledger: HookFailureLedger, threadStates: @escaping @Sendable () -> (busy: Int, total: Int)) {
        HookFailures.observe { [self] failure in
            lock.lock()
            pending.hookFailures[WorkerMetricsReport.hookFailureKey(kind: failure.kind.rawValue, function: failure.qualifiedFunction), default: 0] += 1
            lock.unlock()
            ledger.record(script: failure.script, function: failure.function, kind: failure.kind.rawValue, message: failure.message)
        }
        ledger.startReporting()
        guard descriptor != nil else { return }
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 1)
                flush(threadStates: threadStates())
            }
        }
        thread.name = "metrics-report"
        thread.start()
    }

    func request(route: String, status: Int, microseconds: UInt64) {
        lock.lock()
        pending.requestMicroseconds[.init(route: route, status: status), default: []].append(microseconds)
        lock.unlock()
    }

    /// `isDomainError`: the API mapped it to a client answer (not a database failure).
    func postgresError(_ error: DatabaseError, isDomainError: Bool) {
        guard let kind = CommonMetrics.postgresErrorKind(error, isDomainError: isDomainError) else { return }
        postgresError(kind: kind)
    }

    func postgresError(kind: String) {
        lock.lock()
        pending.postgresErrors[kind, default: 0] += 1
        lock.unlock()
    }

    /// A send transaction of `size` sends (recorded only for 2 or more).
    func sendBatch(size: Int, fellBack: Bool) {
        guard size > 1 else { return }
        lock.lock()
        if fellBack { pending.sendBatches.oneByOne += 1 } else { pending.sendBatches.together += 1 }
        pending.sendBatches.sends += size
        lock.unlock()
    }

    func postgresReconnected() {
        lock.lock()
        pending.postgresReconnects += 1
        lock.unlock()
    }

    /// Sends what was recorded since the last flush.
    func flush(threadStates: (busy: Int, total: Int)) {
        guard let descriptor else { return }
        sendLock.lock()
        defer { sendLock.unlock() }
        lock.lock()
        var report = pending
        pending = WorkerMetricsReport(pid: report.pid)
        lock.unlock()
        report.busyThreads = threadStates.busy
        report.threads = threadStates.total
        PoolMetricsChannel.send(report.datagrams(), on: descriptor)
    }
}
