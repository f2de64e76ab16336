import ArgumentParser
import CommandOptions
import Foundation
import Logging
import MessagingCore
import Observability

/// `fcgi-app [--config PATH]`: the supervisor (what nginx's FastCGI upstream points at).
/// `fcgi-app --worker [--config PATH] [--metrics-fd N]`: a worker, started by the supervisor with
/// the listen socket as fd 0 and, when metrics are on, the report channel as fd N.
/// A mistyped flag is refused with the usage, not ignored.
struct FCGIAppCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fcgi-app",
        abstract: "The REST API's FastCGI worker pool (settings: docs/configuration.md; MESSAGING_* overrides).")

    @OptionGroup var file: ConfigFileOption

    @Flag(help: .hidden)
    var worker = false

    @Option(name: .customLong("metrics-fd"), help: .hidden)
    var metricsFd: Int32?

    func run() throws {
        let settings: Configuration
        do {
            settings = try file.load()
        } catch {
            FileHandle.standardError.write(Data("fcgi-app: \(error)\n".utf8))
            throw ExitCode(2)
        }
        LogSetup.bootstrap(level: settings.logLevel, process: worker ? "fcgi-worker" : "fcgi-supervisor")
        let logger = Logger(label: "fcgi-app")
        if worker {
            WorkerProcess(configuration: settings, logger: logger, metrics: WorkerMetrics(descriptor: metricsFd)).run()
        }
        do {
            try Supervisor(configuration: settings, configPath: file.path, logger: logger).run()
        } catch {
            FileHandle.standardError.write(Data("fcgi-app: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
