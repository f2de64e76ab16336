import CFastCGI
import Foundation
import Logging
import MessagingCore

/// One worker process: M threads, each accepting from the inherited socket (fd 0) with its own
/// libfcgi request, Postgres connection and caches. SIGTERM/SIGQUIT drain: no new requests,
/// in-flight ones finish, then exit. After `max_requests` the process drains the same way and
/// the supervisor starts a fresh one.
final class WorkerProcess {
    private let configuration: Configuration
    private let logger: Logger
    private let state = NSLock()
    private var active = 0
    private var served = 0
    private var draining = false

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    func run() -> Never {
        SignalPipe.install([SIGTERM, SIGQUIT, SIGINT])
        signal(SIGPIPE, SIG_IGN)
        FCGX_Init()
        let tokens = TokenService.make(secret: configuration.jwtSecret)
        let wakeup = EventWakeup(settings: configuration.databaseSettings(applicationName: "fcgi-app-notify"), logger: logger)
        wakeup.start()
        let application = Application()
        for index in 0..<configuration.fcgiThreads {
            let thread = Thread { [self] in
                serve(application: application, context: WorkerContext(configuration: configuration, tokens: tokens, wakeup: wakeup, logger: logger))
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
            state.unlock()
            guard isDraining else { continue }
            if drainStarted == nil { drainStarted = Date() }
            if inFlight == 0 {
                logger.info("worker drained", metadata: ["worker.pid": "\(getpid())", "worker.served": "\(served)"])
                exit(0)
            }
            if Date().timeIntervalSince(drainStarted!) > Double(configuration.fcgiDrainSeconds) {
                logger.warning("worker drain timed out", metadata: ["worker.pid": "\(getpid())", "worker.in_flight": "\(inFlight)"])
                exit(1)
            }
        }
    }

    private func serve(application: Application, context: WorkerContext) {
        let connection = FastCGIConnection(listenDescriptor: 0, maxBodyBytes: configuration.maxBodyBytes)
        while true {
            guard connection.accept() else {
                logger.error("FCGX_Accept_r failed; thread stops")
                return
            }
            // Counted as in flight from the moment accept returned, so draining waits for it.
            state.lock()
            active += 1
            state.unlock()
            let started = DispatchTime.now()
            context.prepareForRequest()
            let request = connection.readRequest()
            let outcome = application.handle(request, context: context)
            connection.write(outcome.response, requestId: request.requestId)
            connection.finish()
            let micros = (DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1000
            logger.info("request", metadata: [
                "request.id": "\(request.requestId)", "route": "\(outcome.routeName)", "status": "\(outcome.response.status)",
                "user.id": "\(outcome.userId.map(String.init) ?? "-")", "duration_us": "\(micros)",
            ])
            state.lock()
            active -= 1
            served += 1
            if configuration.fcgiMaxRequests > 0 && served >= configuration.fcgiMaxRequests { draining = true }
            let stop = draining
            state.unlock()
            if stop {
                // Park this thread: the main loop exits the process once nothing is in flight.
                while true { sleep(60) }
            }
        }
    }
}
