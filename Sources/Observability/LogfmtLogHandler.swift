import Foundation
import Logging

/// One line per event on stderr: `ts=... level=info proc=fcgi-worker pid=12 msg="request" route=...`.
/// Values are quoted when needed; metadata keys are dotted (`request.id`).
public struct LogfmtLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let process: String

    public init(label: String, process: String, level: Logger.Level) {
        self.label = label
        self.process = process
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        var line = "ts=\(LogfmtLogHandler.timestamp()) level=\(level) proc=\(process) pid=\(getpid()) msg=\(LogfmtLogHandler.quote(message.description))"
        let merged = metadata.merging(explicit ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            line += " \(key)=\(LogfmtLogHandler.quote("\(merged[key]!)"))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func quote(_ value: String) -> String {
        if !value.isEmpty && !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }
}

public enum LogSetup {
    /// Executables call this once at start; tests never do.
    public static func bootstrap(level: String, process: String) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, process: process, level: parsed) }
    }
}
