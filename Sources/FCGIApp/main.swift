import Foundation
import Logging
import MessagingCore
import Observability

// fcgi-app [--config PATH]           the supervisor (what nginx's FastCGI upstream points at)
// fcgi-app --worker [--config PATH] [--metrics-fd N]
//                                    a worker; started by the supervisor with the socket as fd 0
//                                    and, when metrics are on, the report channel as fd N

var arguments = Array(CommandLine.arguments.dropFirst())
let isWorker = arguments.contains("--worker")
var configPath: String?
if let index = arguments.firstIndex(of: "--config"), index + 1 < arguments.count {
    configPath = arguments[index + 1]
}
configPath = Configuration.locate(explicit: configPath)

let configuration: Configuration
do {
    configuration = try Configuration.load(path: configPath)
} catch {
    FileHandle.standardError.write(Data("fcgi-app: \(error)\n".utf8))
    exit(2)
}
LogSetup.bootstrap(level: configuration.logLevel, process: isWorker ? "fcgi-worker" : "fcgi-supervisor")
let logger = Logger(label: "fcgi-app")

if isWorker {
    let metricsFd = arguments.firstIndex(of: "--metrics-fd").flatMap { $0 + 1 < arguments.count ? Int32(arguments[$0 + 1]) : nil }
    WorkerProcess(configuration: configuration, logger: logger, metrics: WorkerMetrics(descriptor: metricsFd)).run()
} else {
    do {
        try Supervisor(configuration: configuration, configPath: configPath, logger: logger).run()
    } catch {
        FileHandle.standardError.write(Data("fcgi-app: \(error)\n".utf8))
        exit(1)
    }
}
