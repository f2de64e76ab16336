import Foundation
import Hooks
import Testing

/// The metrics seam: every failed hook call is reported to the observer with its kind.
/// The observer is process-wide and other suites run in parallel, so counts are "at least".
@Suite struct HookFailuresTests {
    final class Counts: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [HookFailure: Int] = [:]
        private(set) var functions: Set<String> = []
        func add(_ failure: HookFailureEvent) {
            lock.withLock {
                counts[failure.kind, default: 0] += 1
                functions.insert(failure.script + ":" + failure.function)
            }
        }
        subscript(_ failure: HookFailure) -> Int { lock.withLock { counts[failure, default: 0] } }
    }

    @Test func failuresReachTheObserverByKind() {
        let counts = Counts()
        HookFailures.observe { counts.add($0) }
        withEngine(fixture: "infinite_loop") { engine, _ in _ = engine.messageNotification(SampleEvents.message()) }
        withEngine(fixture: "runtime_error") { engine, _ in _ = engine.messageNotification(SampleEvents.message()) }
        withEngine(fixture: "malformed_return") { engine, _ in _ = engine.messageNotification(SampleEvents.message()) }
        #expect(counts[.timeout] >= 1)
        #expect(counts[.runtime] >= 1)
        #expect(counts[.malformed] >= 1)
        #expect(counts.functions.contains("notifications.lua:on_message"))
    }
}
