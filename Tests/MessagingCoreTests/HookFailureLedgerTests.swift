import Foundation
import Logging
@testable import MessagingCore
import Testing

/// The ledger between hook engines and the database: nothing recorded is lost while the database
/// refuses the report, and the degraded flag follows the last failure.
@Suite struct HookFailureLedgerTests {
    /// A socket folder that does not exist: connecting fails at once, as with a database that is away.
    static let unreachable = PostgresSettings(dsn: "host=/nonexistent/hook-ledger-test port=1 dbname=none", applicationName: "test",
                                              connectTimeoutSeconds: 1)

    func ledger() -> HookFailureLedger {
        HookFailureLedger(process: "test", settings: Self.unreachable, logger: Logger(label: "test"))
    }

    @Test func aRefusedReportKeepsTheTalliesForTheNextRound() {
        let ledger = ledger()
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        ledger.record(script: "notifications.lua", function: "on_new_message", kind: "runtime", message: "boom", at: at)
        ledger.record(script: "notifications.lua", function: "on_new_message", kind: "runtime", message: nil, at: at)
        var connection: DatabaseConnection?
        #expect(ledger.report(over: &connection, purgeDue: true) == false)
        #expect(connection == nil)
        #expect(ledger.takePending() == [HookFailureTally(script: "notifications.lua", function: "on_new_message", kind: "runtime",
                                                          count: 2, lastAt: at, lastError: "boom")])
    }

    @Test func nothingPendingAndNoConnectionIsNotARound() {
        var connection: DatabaseConnection?
        #expect(ledger().report(over: &connection, purgeDue: true) == false)
        #expect(connection == nil)
    }

    @Test func restoredTalliesMergeWithThoseRecordedMeanwhile() {
        let ledger = ledger()
        let early = Date(timeIntervalSince1970: 1_800_000_000), late = early.addingTimeInterval(5)
        ledger.record(script: "notifications.lua", function: "on_new_message", kind: "runtime", message: "old", at: early)
        ledger.record(script: "notifications.lua", function: "on_reaction", kind: "timeout", message: "slow", at: early)
        let taken = ledger.takePending()
        #expect(ledger.takePending().isEmpty)
        // While the report was on its way, the same hook failed again, without a message.
        ledger.record(script: "notifications.lua", function: "on_new_message", kind: "runtime", message: nil, at: late)
        ledger.restore(taken)
        let merged = ledger.takePending().sorted { $0.function < $1.function }
        #expect(merged.map(\.function) == ["on_new_message", "on_reaction"])
        #expect(merged[0].count == 2 && merged[0].lastAt == late && merged[0].lastError == "old")
        #expect(merged[1].count == 1 && merged[1].lastError == "slow")
    }

    @Test func degradedForAMinuteAfterTheLastFailure() {
        let ledger = ledger()
        #expect(!ledger.isDegraded)
        ledger.record(script: "notifications.lua", function: "on_new_message", kind: "runtime", message: nil,
                      at: Date().addingTimeInterval(-HookFailureLedger.degradedWindow - 1))
        #expect(!ledger.isDegraded)
        ledger.record(script: "notifications.lua", function: "on_new_message", kind: "runtime", message: nil)
        #expect(ledger.isDegraded)
    }
}
