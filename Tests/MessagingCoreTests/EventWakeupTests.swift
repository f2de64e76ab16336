import Logging
import Postgres
import Testing
@testable import MessagingCore

/// When a lone send may put the daemons' NOTIFY in its own transaction (EventWakeup.claimInline):
/// only while the process owes no wake-up, and never more often than the minimum interval.
/// The wake-up thread is not started: nothing here reaches a database.
@Suite struct EventWakeupTests {
    static let settings = PostgresSettings(dsn: "host=/nonexistent/event-wakeup-test port=1 dbname=none", applicationName: "test",
                                           statementTimeoutMilliseconds: 1000)

    @Test func anIdleProcessLetsTheSendWakeTheDaemons() {
        let wakeup = EventWakeup(settings: Self.settings, logger: Logger(label: "test"), minimumIntervalMicroseconds: 0)
        #expect(wakeup.claimInline())
        #expect(wakeup.claimInline())
    }

    @Test func aClaimCountsAsTheLatestWakeUpForTheInterval() {
        let wakeup = EventWakeup(settings: Self.settings, logger: Logger(label: "test"), minimumIntervalMicroseconds: 60_000_000)
        #expect(wakeup.claimInline())
        // Within the interval the next commit shares the thread's (later) NOTIFY instead.
        #expect(!wakeup.claimInline())
    }

    @Test func aPendingWakeUpIsNotOvertaken() {
        let wakeup = EventWakeup(settings: Self.settings, logger: Logger(label: "test"), minimumIntervalMicroseconds: 0)
        wakeup.poke()
        #expect(!wakeup.claimInline())
    }
}
