import Foundation

/// What a worker process tells the supervisor about once a second: its threads' states and what
/// happened since its last report. Durations travel one by one (grouped by route and status) so
/// the supervisor's histograms are exact, not re-bucketed.
///
/// Wire format, one report per datagram or split over several, tab-separated lines; every
/// datagram starts with the `W` line so each one stands alone:
///   W pid busy threads | R route status us,us,... | P kind count | C count | H kind count
///   | B together one_by_one sends
struct WorkerMetricsReport {
    struct RequestKey: Hashable {
        let route: String
        let status: Int
    }

    var pid: Int32
    var busyThreads = 0
    var threads = 0
    var requestMicroseconds: [RequestKey: [UInt64]] = [:]
    var postgresErrors: [String: Int] = [:]
    var postgresReconnects = 0
    /// By "kind\tfunction".
    var hookFailures: [String: Int] = [:]
    /// Group commits of 2+ sends: stored together, or refused and stored one by one; and their sends.
    var sendBatches = (together: 0, oneByOne: 0, sends: 0)

    /// Datagrams of at most `maxBytes` (a unix datagram socket takes far more; this keeps each
    /// write small and the supervisor's receive buffer fixed).
    func datagrams(maxBytes: Int = 32 * 1024) -> [[UInt8]] {
        var lines: [String] = []
        for (key, durations) in requestMicroseconds {
            // Chunks of 1000 keep every line well under maxBytes.
            for start in stride(from: 0, to: durations.count, by: 1000) {
                let chunk = durations[start..<min(start + 1000, durations.count)]
                lines.append("R\t\(Self.clean(key.route))\t\(key.status)\t" + chunk.map(String.init).joined(separator: ","))
            }
        }
        for (kind, count) in postgresErrors { lines.append("P\t\(Self.clean(kind))\t\(count)") }
        if postgresReconnects > 0 { lines.append("C\t\(postgresReconnects)") }
        for (key, count) in hookFailures { lines.append("H\t\(key)\t\(count)") }
        if sendBatches.sends > 0 { lines.append("B\t\(sendBatches.together)\t\(sendBatches.oneByOne)\t\(sendBatches.sends)") }

        let header = "W\t\(pid)\t\(busyThreads)\t\(threads)\n"
        var datagrams: [[UInt8]] = []
        var current = header
        for line in lines {
            if current.utf8.count + line.utf8.count + 1 > maxBytes && current != header {
                datagrams.append(Array(current.utf8))
                current = header
            }
            current += line + "\n"
        }
        datagrams.append(Array(current.utf8))
        return datagrams
    }

    /// One datagram back into a (partial) report; nil if it does not start with a `W` line.
    static func decode(_ bytes: ArraySlice<UInt8>) -> WorkerMetricsReport? {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        guard let first = lines.first?.split(separator: "\t"), first.count == 4, first[0] == "W",
              let pid = Int32(first[1]), let busy = Int(first[2]), let threads = Int(first[3]) else { return nil }
        var report = WorkerMetricsReport(pid: pid, busyThreads: busy, threads: threads)
        for line in lines.dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch (fields.first, fields.count) {
            case ("R", 4):
                guard let status = Int(fields[2]) else { continue }
                let durations = fields[3].split(separator: ",").compactMap { UInt64($0) }
                report.requestMicroseconds[RequestKey(route: fields[1], status: status), default: []] += durations
            case ("P", 3):
                report.postgresErrors[fields[1], default: 0] += Int(fields[2]) ?? 0
            case ("C", 2):
                report.postgresReconnects += Int(fields[1]) ?? 0
            case ("H", 4):
                report.hookFailures[fields[1] + "\t" + fields[2], default: 0] += Int(fields[3]) ?? 0
            case ("B", 4):
                report.sendBatches.together += Int(fields[1]) ?? 0
                report.sendBatches.oneByOne += Int(fields[2]) ?? 0
                report.sendBatches.sends += Int(fields[3]) ?? 0
            default:
                continue  // a line from a newer worker during a rolling upgrade: skip it
            }
        }
        return report
    }

    static func hookFailureKey(kind: String, function: String) -> String { clean(kind) + "\t" + clean(function) }

    /// Tabs and newlines are the format's separators; route names never contain them, but be sure.
    private static func clean(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }
}
