import Foundation
import Hooks
import Logging
import MessagingCore
#if canImport(Glibc)
import Glibc
#endif

// push-daemon [--config FILE]: the WebSocket push stream (see docs and PushServer/EventListener).

var explicitConfig: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--config": explicitConfig = arguments.next()
    case "--help", "-h":
        print("usage: push-daemon [--config FILE]   (settings: docs/configuration.md; MESSAGING_* overrides)")
        exit(0)
    default:
        FileHandle.standardError.write(Data("push-daemon: unknown argument \(argument)\n".utf8))
        exit(2)
    }
}

let settings: PushSettings
do {
    let configuration = try Configuration.load(path: Configuration.locate(explicit: explicitConfig))
    settings = try PushSettings(configuration: configuration)
} catch {
    FileHandle.standardError.write(Data("push-daemon: \(error)\n".utf8))
    exit(1)
}
LogSetup.bootstrap(level: settings.configuration.logLevel, process: "push-daemon")
let logger = Logger(label: "push-daemon")

do {
    try DaemonMetrics.shared.serve(configuration: settings.configuration, logger: Logger(label: "push-daemon.metrics"))
} catch {
    logger.critical("cannot serve metrics", metadata: ["error": "\(error)"])
    exit(1)
}
HookFailures.observe { DaemonMetrics.shared.common.hookFailures(kind: $0.rawValue) }

let authenticator = UpgradeAuthenticator(configuration: settings.configuration, logger: Logger(label: "push-daemon.auth"))
let commands = CommandQueue(capacity: settings.commandQueueCapacity)
let hooksDirectory = settings.configuration.hooksDirectory
let listener = EventListener(settings: settings, commands: commands, logger: logger, makeDecider: {
    // Built on the listener thread, the only thread that ever calls it.
    HookEngine(scriptsDirectory: hooksDirectory, logger: Logger(label: "hooks"))
})
let server = PushServer(settings: settings, authenticator: authenticator, commands: commands, logger: logger)

listener.start()
do {
    try server.start()
} catch {
    logger.critical("cannot listen", metadata: ["listen": "\(settings.configuration.pushListen)", "error": "\(error)"])
    exit(1)
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
stopSignal.wait()
logger.info("shutting down")
server.stopAccepting()
server.closeAllSessions()
listener.stop(timeout: 3)
Thread.sleep(forTimeInterval: 0.3)
server.shutdown()
exit(0)
