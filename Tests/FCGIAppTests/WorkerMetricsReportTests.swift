import Testing

@testable import FCGIApp

/// The worker's report to the supervisor survives its wire format: split over datagrams that each
/// stand alone, merged back to the same counts; lines it does not know are skipped.
@Suite struct WorkerMetricsReportTests {
    func sample() -> WorkerMetricsReport {
        var report = WorkerMetricsReport(pid: 42, busyThreads: 1, threads: 4)
        report.requestMicroseconds[.init(route: "POST /api/messages/:conversationId", status: 201)] = Array(1...2500).map(UInt64.init)
        report.requestMicroseconds[.init(route: "GET /api/health", status: 200)] = [7]
        report.postgresErrors = ["connection": 2]
        report.postgresReconnects = 3
        report.hookFailures = [WorkerMetricsReport.hookFailureKey(kind: "runtime", function: "notifications.on_message"): 4]
        report.sendBatches = (together: 5, oneByOne: 1, sends: 12)
        return report
    }

    /// Every datagram decoded and added up, as the supervisor does.
    func merged(_ datagrams: [[UInt8]]) -> WorkerMetricsReport? {
        var total: WorkerMetricsReport?
        for datagram in datagrams {
            guard let part = WorkerMetricsReport.decode(datagram[...]) else { return nil }
            var sum = total ?? WorkerMetricsReport(pid: part.pid, busyThreads: part.busyThreads, threads: part.threads)
            sum.requestMicroseconds.merge(part.requestMicroseconds, uniquingKeysWith: +)
            sum.postgresErrors.merge(part.postgresErrors, uniquingKeysWith: +)
            sum.postgresReconnects += part.postgresReconnects
            sum.hookFailures.merge(part.hookFailures, uniquingKeysWith: +)
            sum.sendBatches = (sum.sendBatches.together + part.sendBatches.together, sum.sendBatches.oneByOne + part.sendBatches.oneByOne,
                               sum.sendBatches.sends + part.sendBatches.sends)
            total = sum
        }
        return total
    }

    @Test func aReportSplitOverSmallDatagramsAddsUpToTheSame() throws {
        let report = sample()
        let datagrams = report.datagrams(maxBytes: 8192)  // a line of 1000 durations takes 4-5 KB
        #expect(datagrams.count >= 2)
        #expect(datagrams.allSatisfy { $0.count <= 8192 && $0.starts(with: Array("W\t42\t1\t4\n".utf8)) })
        let back = try #require(merged(datagrams))
        #expect(back.requestMicroseconds.mapValues { $0.sorted() } == report.requestMicroseconds)
        #expect(back.postgresErrors == ["connection": 2] && back.postgresReconnects == 3)
        #expect(back.hookFailures == ["runtime\tnotifications.on_message": 4])
        #expect(back.sendBatches == (5, 1, 12))
        #expect(try #require(merged(report.datagrams())).requestMicroseconds.values.map(\.count).sorted() == [1, 2500])
    }

    @Test func unknownLinesAreSkippedAndAMissingHeaderIsRefused() throws {
        let text = "W\t7\t0\t2\nZ\tfrom a newer worker\nR\tGET /api/health\tbad\t5\nC\t1\n"
        let report = try #require(WorkerMetricsReport.decode(Array(text.utf8)[...]))
        #expect(report.pid == 7 && report.threads == 2 && report.postgresReconnects == 1 && report.requestMicroseconds.isEmpty)
        #expect(WorkerMetricsReport.decode(Array("C\t1\n".utf8)[...]) == nil)
    }
}
