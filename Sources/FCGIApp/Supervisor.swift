import Foundation
import Logging
import MessagingCore

/// The pool's master (php-fpm's shape, small): opens the socket, starts `fcgi_workers`
/// processes with it as fd 0, restarts any that die, and turns signals into pool actions:
/// TERM/INT/QUIT drain and stop, HUP replaces every worker gracefully (new ones first).
final class Supervisor {
    private let configuration: Configuration
    private let configPath: String?
    private let logger: Logger
    private var listenDescriptor: Int32 = -1
    /// Live workers of the current generation, and older ones still draining after a reload.
    private var current: [pid_t: Date] = [:]
    private var retiring: Set<pid_t> = []
    private var stoppingSince: Date?
    private var recentCrashes: [Date] = []
    /// After a burst of workers dying at start, no respawn before this (a pause, not a fork loop).
    private var respawnNotBefore = Date.distantPast
    private var metrics: PoolMetrics?

    init(configuration: Configuration, configPath: String?, logger: Logger) {
        self.configuration = configuration
        self.configPath = configPath
        self.logger = logger
    }

    func run() throws -> Never {
        listenDescriptor = try ListenSocket.open(configuration)
        metrics = try PoolMetrics.start(configuration, logger: logger)
        SignalPipe.install([SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP])
        signal(SIGPIPE, SIG_IGN)
        logger.notice("pool started", metadata: [
            "pool.listen": "\(configuration.fcgiListen)", "pool.workers": "\(configuration.fcgiWorkers)",
            "pool.threads": "\(configuration.fcgiThreads)", "pool.metrics": "\(configuration.metricsListen ?? "off")",
        ])
        for _ in 0..<configuration.fcgiWorkers { spawn() }
        while true {
            for signal in SignalPipe.wait(timeoutMilliseconds: 250) {
                switch signal {
                case SIGCHLD: reap()
                case SIGHUP: reload()
                default: beginStop()
                }
            }
            reap()  // a SIGCHLD can coalesce with another; reaping on every tick is cheap
            topUp()
            metrics?.processes(serving: current.count, draining: retiring.count)
            if let since = stoppingSince {
                if current.isEmpty && retiring.isEmpty {
                    logger.notice("pool stopped")
                    exit(0)
                }
                if Date().timeIntervalSince(since) > Double(configuration.fcgiDrainSeconds) + 1 {
                    logger.warning("drain deadline passed; killing workers")
                    for pid in Array(current.keys) + Array(retiring) { kill(pid, SIGKILL) }
                }
            }
        }
    }

    private func spawn() {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, listenDescriptor, 0)
        // Spawned through /proc/self/exe, not the file's path: once an upgrade has replaced the
        // file, the path would start a different version (or fail, if it reads "... (deleted)").
        // Workers always match their supervisor; a new version needs a restart.
        let executable = "/proc/self/exe"
        let name = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var arguments = [name, "--worker"]
        if let metrics {
            // After the socket's dup2 to 0: the listen socket may itself be fd 3 (systemd).
            posix_spawn_file_actions_adddup2(&actions, metrics.channel.sending, PoolMetricsChannel.workerDescriptor)
            arguments += ["--metrics-fd", String(PoolMetricsChannel.workerDescriptor)]
        }
        if let configPath { arguments += ["--config", configPath] }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else {
            logger.error("could not start a worker", metadata: ["errno": "\(result)"])
            return
        }
        current[pid] = Date()
        metrics?.workerStarted(pid)
    }

    private func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            let exitedCleanly = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
            let replaced = current[pid] != nil && stoppingSince == nil
            metrics?.workerExited(pid, restartReason: replaced ? (exitedCleanly ? "recycle" : "crash") : nil)
            if retiring.remove(pid) != nil { continue }
            guard let startedAt = current.removeValue(forKey: pid) else { continue }
            guard stoppingSince == nil else { continue }
            // exit(0) is a planned recycle (max_requests); anything else is a crash or a kill.
            if !exitedCleanly {
                logger.warning("worker died; starting a new one", metadata: ["worker.pid": "\(pid)", "worker.status": "\(status)"])
                if Date().timeIntervalSince(startedAt) < 1 { recentCrashes.append(Date()) }
                recentCrashes.removeAll { Date().timeIntervalSince($0) > 10 }
                // A worker that cannot start at all must not turn the supervisor into a fork loop:
                // topUp starts its replacement after the pause.
                if recentCrashes.count > 5 {
                    respawnNotBefore = Date().addingTimeInterval(1)
                    continue
                }
            }
            spawn()
        }
    }

    /// Starts workers until the pool has `fcgi_workers` again (after a failed start, a crash
    /// loop's pause or a reload that could not start everyone).
    private func topUp() {
        guard stoppingSince == nil, Date() >= respawnNotBefore else { return }
        for _ in current.count..<max(current.count, configuration.fcgiWorkers) { spawn() }
    }

    /// New workers first; the old ones drain only once their replacements are running, so a
    /// reload that cannot start workers (a broken binary) leaves the old pool serving.
    private func reload() {
        // New workers read the file again: one they would refuse must not replace a working pool.
        if let configPath {
            do {
                _ = try Configuration.load(path: configPath)
            } catch {
                logger.error("reload refused: the configuration is invalid; keeping the running workers", metadata: ["error": "\(error)"])
                return
            }
        }
        logger.notice("reload: replacing workers")
        metrics?.reloaded()
        let old = Array(current.keys)
        current.removeAll()
        for _ in 0..<configuration.fcgiWorkers { spawn() }
        guard !current.isEmpty else {
            logger.error("reload: no new worker could start; keeping the running ones")
            for pid in old { current[pid] = Date() }
            return
        }
        for pid in old {
            retiring.insert(pid)
            kill(pid, SIGTERM)
        }
    }

    private func beginStop() {
        guard stoppingSince == nil else { return }
        stoppingSince = Date()
        logger.notice("stopping: draining workers")
        for pid in Array(current.keys) + Array(retiring) { kill(pid, SIGTERM) }
    }
}
