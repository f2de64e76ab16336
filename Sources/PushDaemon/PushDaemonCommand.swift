import ArgumentParser
import CommandOptions
import Foundation
import Hooks
import Logging
import MessagingCore
import Observability
#if canImport(Glibc)
import Glibc
#endif

/// `push-daemon [--config FILE]`: the WebSocket push stream (see PushServer and EventListener).
/// A mistyped flag is refused with the usage, not ignored.
struct PushDaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push-daemon",
        abstract: "The WebSocket push stream (settings: docs/configuration.md; MESSAGING_* overrides).")

    @OptionGroup var file: ConfigFileOption

    func run() throws {
        let settings: PushSettings
        do {
            settings = try PushSettings(configuration: try file.load())
        } catch {
            FileHandle.standardError.write(Data("push-daemon: \(error)\n".utf8))
            throw ExitCode.failure
        }
        LogSetup.bootstrap(level: settings.configuration.logLevel, process: "push-daemon")
        let logger = Logger(label: "push-daemon")

        do {
            try DaemonMetrics.shared.serve(configuration: settings.configuration, logger: Logger(label: "push-daemon.metrics"))
        } catch {
            logger.critical("cannot serve metrics", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let hookLedger = HookFailureLedger(process: "push-daemon", settings: settings.configuration.databaseSettings(applicationName: "push-daemon-hooks"),
                                           logger: logger)
        HookFailures.observe { failure in
            DaemonMetrics.shared.common.hookFailures(kind: failure.kind.rawValue, function: failure.qualifiedFunction)
            hookLedger.record(script: failure.script, function: failure.function, kind: failure.kind.rawValue, message: failure.message)
        }
        hookLedger.startReporting()

        let authenticator = UpgradeAuthenticator(configuration: settings.configuration, logger: Logger(label: "push-daemon.auth"))
        let commands = CommandQueue(capacity: settings.commandQueueCapacity)
        let hooksDirectory = settings.configuration.hooksDirectory
        let listener = EventListener(settings: settings, commands: commands, logger: logger, hooksEnabled: true)
        let server = PushServer(settings: settings, authenticator: authenticator, commands: commands, hooksDegraded: { hookLedger.isDegraded },
                                makeDecider: {
                                    // Built on each event loop, the only thread that ever calls it.
                                    HookEngine(scriptsDirectory: hooksDirectory, logger: Logger(label: "hooks"))
                                }, logger: logger)

        listener.start()
        RetentionPurger(configuration: settings.configuration, logger: Logger(label: "push-daemon.retention")).start()
        do {
            try server.start()
        } catch {
            logger.critical("cannot listen", metadata: ["listen": "\(settings.configuration.pushListen)", "error": "\(error)"])
            throw ExitCode.failure
        }

        // SIGTERM / SIGINT: stop accepting, close every connection with 1001 (clients reconnect to
        // another daemon and resume from their cursor), mark this daemon's users offline, exit.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let stopSignal = DispatchSemaphore(value: 0)
        let signalSources = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stopSignal.signal() }
            source.resume()
            return source
        }
        withExtendedLifetime(signalSources) { stopSignal.wait() }
        logger.info("shutting down")
        server.stopAccepting()
        server.closeAllSessions()
        listener.stop(timeout: 3)
        Thread.sleep(forTimeInterval: 0.3)
        server.shutdown()
        Foundation.exit(0)
    }
}
