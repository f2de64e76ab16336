import CFastCGI
import Foundation
import Logging
import MessagingCore

/// One worker process: M threads, each accepting from the inherited socket (fd 0) with its own
/// libfcgi request, Postgres connection and caches. SIGTERM/SIGQUIT drain: no new requests,
/// in-flight ones finish, then exit. After `max_requests` the process drains the same way and
/// the supervisor starts a fresh one.
///
/// Threads never block inside accept(): they wait for the socket to become readable (epoll,
/// EPOLLEXCLUSIVE so one connection wakes one thread) and then accept without blocking. So a
/// draining thread can always stop between requests, and the process exits only once every
/// thread has stopped: a connection is never accepted by a process that is about to exit.
final class WorkerProcess: @unchecked Sendable {  // mutable state is guarded by `state`; threads share the rest read-only
    private let configuration: Configuration
    private let logger: Logger
    private let metrics: WorkerMetrics
    private let state = NSLock()
    private var active = 0
    private var served = 0
    private var draining = false
    private var stoppedThreads = 0

    init(configuration: Configuration, logger: Logger, metrics: WorkerMetrics) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    func run() -> Never {
        SignalPipe.install([SIGTERM, SIGQUIT, SIGINT])
        signal(SIGPIPE, SIG_IGN)
        FCGX_Init()
        // Shared by every worker: accept() on it returns EAGAIN instead of blocking.
        _ = fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK)
        let identity = ProcessIdentity(configuration: configuration, logger: logger)
        let wakeup = EventWakeup(settings: configuration.databaseSettings(applicationName: "fcgi-app-notify"), logger: logger,
                                 minimumIntervalMicroseconds: configuration.notifyMinIntervalMicroseconds)
        wakeup.start()
        let sends = SendBatcher(maxBatchSize: configuration.sendBatchMax, maxConcurrentBatches: configuration.sendBatchesInFlight, wakeup: wakeup,
                                observe: { [metrics] size, fellBack in metrics.sendBatch(size: size, fellBack: fellBack) })
        let application = Application()
        let ledger = HookFailureLedger(process: "fcgi-app", settings: configuration.databaseSettings(applicationName: "fcgi-app-hooks"), logger: logger)
        metrics.startReporting(ledger: ledger) { [self] in threadStates() }  // before any request can fail a hook
        for index in 0..<configuration.fcgiThreads {
            let thread = Thread { [self] in
                serve(application: application, context: WorkerContext(configuration: configuration, identity: identity, wakeup: wakeup, sends: sends, metrics: metrics, logger: logger))
            }
            thread.name = "fcgi-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        logger.info("worker started", metadata: ["worker.pid": "\(getpid())", "worker.threads": "\(configuration.fcgiThreads)"])
        var drainStarted: Date?
        while true {
            let signals = SignalPipe.wait(timeoutMilliseconds: 100)
            state.lock()
            if !signals.isEmpty { draining = true }
            let isDraining = draining
            let inFlight = active
            let allStopped = stoppedThreads == configuration.fcgiThreads
            state.unlock()
            guard isDraining else { continue }
            if drainStarted == nil { drainStarted = Date() }
            if allStopped {
                metrics.flush(threadStates: threadStates())  // the last requests' counts, before exit
                logger.info("worker drained", metadata: ["worker.pid": "\(getpid())", "worker.served": "\(served)"])
                exit(0)
            }
            if Date().timeIntervalSince(drainStarted!) > Double(configuration.fcgiDrainSeconds) {
                logger.warning("worker drain timed out", metadata: ["worker.pid": "\(getpid())", "worker.in_flight": "\(inFlight)"])
                exit(1)
            }
        }
    }

    private func threadStates() -> (busy: Int, total: Int) {
        state.lock()
        defer { state.unlock() }
        return (active, configuration.fcgiThreads)
    }

    private var isDraining: Bool {
        state.lock()
        defer { state.unlock() }
        return draining
    }

    private func serve(application: Application, context: WorkerContext) {
        let connection = FastCGIConnection(listenDescriptor: 0, maxBodyBytes: configuration.maxBodyBytes)
        let readiness = ListenReadiness(descriptor: 0)
        defer {
            state.lock()
            stoppedThreads += 1
            state.unlock()
        }
        while !isDraining {
            // Another thread or worker may take the connection first: accept then fails with
            // EAGAIN and this thread simply waits again.
            guard readiness.wait(milliseconds: 200), connection.accept() else { continue }
            // Counted as in flight from the moment accept returned, so draining waits for it.
            state.lock()
            active += 1
            state.unlock()
            let started = DispatchTime.now()
            context.prepareForRequest(acceptedAt: started.uptimeNanoseconds)
            let request = connection.readRequest()
            let outcome = application.handle(request, context: context)
            connection.write(outcome.response, requestId: request.requestId)
            connection.finish()
            let micros = (DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1000
            // Recorded while still counted in flight, so the drain's final flush includes it.
            metrics.request(route: outcome.routeName, status: outcome.response.status, microseconds: micros)
            logger.info("request", metadata: [
                "request.id": "\(request.requestId)", "route": "\(outcome.routeName)", "status": "\(outcome.response.status)",
                "user.id": "\(outcome.userId.map(String.init) ?? "-")", "duration_us": "\(micros)",
            ])
            state.lock()
            active -= 1
            served += 1
            if configuration.fcgiMaxRequests > 0 && served >= configuration.fcgiMaxRequests { draining = true }
            state.unlock()
        }
    }
}
