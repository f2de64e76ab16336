import Foundation
import Hooks
import JSON
import Testing

/// A script's top level runs under the load's own time limit, not a call's 20 ms; a load the
/// clock stopped (a busy machine) is tried again at the next check, with no file changed.
@Suite struct LoadTimeTests {
    /// A top level of some 30,000 instructions: well inside the budget, and past a few of the
    /// sandbox's deadline checks (one per 100 instructions).
    private let slowTopLevel = """
        local n = 0
        for i = 1, 10000 do n = n + i end
        return { on_message = function(event)
          return { toast = { title = "loaded " .. n, body = "" }, badge = { total = 0, conversation = 0 } }
        end }
        """

    private func notificationsStatus(_ engine: HookEngine) -> JSON? {
        engine.status()["scripts"]?.arrayValue?.first { $0["file"] == "lua/notifications.lua" }
    }

    @Test func aLoadIsNotHeldToACallsTimeLimit() {
        let folder = ScriptsFolder()
        folder.write("notifications.lua", slowTopLevel)
        var limits = HookLimits.test
        limits.timeLimit = .nanoseconds(1)  // every call's deadline has passed at its first check
        let engine = HookEngine(scriptsDirectory: folder.path, limits: limits, logger: LogRecorder().logger)
        #expect(notificationsStatus(engine)?["state"] == "loaded")
        #expect(notificationsStatus(engine)?["loadError"] == .null)
    }

    @Test func aLoadStoppedByTheClockIsTriedAgainWithoutAFileChange() {
        let folder = ScriptsFolder()
        folder.write("notifications.lua", slowTopLevel)
        var limits = HookLimits.test
        limits.loadTimeLimit = .nanoseconds(1)
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: limits, logger: log.logger)
        let failedLoads = { log.errors.filter { $0.message.contains("failed to load") }.count }
        #expect(notificationsStatus(engine)?["state"] == "failed")
        #expect(failedLoads() == 1)
        Thread.sleep(forTimeInterval: 0.1)  // past the 0.05 s check interval
        _ = engine.status()
        #expect(failedLoads() == 2)
        withExtendedLifetime(folder) {}
    }

    @Test func aScriptThatFailsToLoadForItsOwnFaultWaitsForAnEdit() {
        let folder = ScriptsFolder()
        folder.write("notifications.lua", "for i = 1, 1e9 do end return {}")
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .test, logger: log.logger)
        let failedLoads = { log.errors.filter { $0.message.contains("failed to load") }.count }
        #expect(notificationsStatus(engine)?["state"] == "failed")
        Thread.sleep(forTimeInterval: 0.1)
        _ = engine.status()
        #expect(failedLoads() == 1)  // the instruction budget stopped it: no retry until the file changes
        withExtendedLifetime(folder) {}
    }
}
