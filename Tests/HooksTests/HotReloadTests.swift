import Foundation
import Hooks
import JSON
import Testing

/// A changed script takes effect on the first call after the check interval; a broken change
/// keeps the last good version (and says so in status()); fixing it takes effect again.
@Suite struct HotReloadTests {
    private func title(_ engine: HookEngine) -> JSON? {
        engine.messageNotification(SampleEvents.message())["toast"]?["title"]
    }

    private func version(_ word: String) -> String {
        Fixtures.text("title_version").replacingOccurrences(of: "VERSION", with: word)
    }

    private func notificationsStatus(_ engine: HookEngine) -> JSON? {
        engine.status()["scripts"]?.arrayValue?.first { $0["file"] == "lua/notifications.lua" }
    }

    /// Polls `condition` (each poll is a hook call or a status read, which is what reloads) until
    /// it holds, for at most 5 s: the reload happens on the first call after the 0.05 s interval.
    @discardableResult
    private func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition()
    }

    @Test func changeBrokenChangeAndFix() {
        let folder = ScriptsFolder()
        folder.write("notifications.lua", version("first"))
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .test, logger: log.logger)
        #expect(title(engine) == "first")

        folder.write("notifications.lua", version("second"))
        #expect(eventually { title(engine) == "second" })

        folder.install(fixture: "syntax_error", as: "notifications.lua")
        #expect(eventually { notificationsStatus(engine)?["state"] == "stale" })
        #expect(title(engine) == "second")
        let broken = notificationsStatus(engine)
        #expect(broken?["state"] == "stale")
        #expect(broken?["loadError"]?.stringValue?.hasPrefix("lua/notifications.lua:") == true)
        #expect(engine.status()["healthy"] == false)
        #expect(log.errorText.contains("keeping the last good version"))

        folder.write("notifications.lua", version("third"))
        #expect(eventually { title(engine) == "third" })
        #expect(notificationsStatus(engine)?["state"] == "loaded")
        #expect(notificationsStatus(engine)?["loadError"] == .null)
        #expect(engine.status()["healthy"] == true)
    }

    @Test func scriptsAreNotReloadedBeforeTheInterval() {
        let folder = ScriptsFolder()
        folder.write("notifications.lua", version("first"))
        let limits = HookLimits(instructionBudget: 100_000, memoryBytes: 4 << 20, reloadCheckInterval: 60)
        let engine = HookEngine(scriptsDirectory: folder.path, limits: limits, logger: LogRecorder().logger)
        #expect(title(engine) == "first")

        folder.write("notifications.lua", version("second"))
        #expect(title(engine) == "first")
        withExtendedLifetime(folder) {}
    }

    @Test func aChangedModuleReloadsTheScriptsThatRequireIt() {
        let folder = ScriptsFolder()
        folder.write("lib/words.lua", "return { title = 'from module' }")
        folder.write("notifications.lua", """
            local words = require("lib.words")
            return { on_message = function(event)
              return { toast = { title = words.title, body = "" }, badge = { total = 0, conversation = 0 } }
            end }
            """)
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .test, logger: LogRecorder().logger)
        #expect(title(engine) == "from module")

        folder.write("lib/words.lua", "return { title = 'changed module' }")
        #expect(eventually { title(engine) == "changed module" })

        folder.write("lib/words.lua", "return { title = ")
        #expect(eventually { !(engine.status()["compileErrors"]?.arrayValue ?? []).isEmpty })
        #expect(title(engine) == "changed module")
        let compileErrors = engine.status()["compileErrors"]?.arrayValue ?? []
        #expect(compileErrors.first?["file"] == "lua/lib/words.lua")
    }

    @Test func aDeletedScriptFallsBackToTheBuiltins() {
        let folder = ScriptsFolder()
        folder.write("notifications.lua", version("first"))
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .test, logger: LogRecorder().logger)
        #expect(title(engine) == "first")

        try? FileManager.default.removeItem(atPath: folder.path + "/notifications.lua")
        #expect(eventually { notificationsStatus(engine)?["state"] == "missing" })
        #expect(title(engine) == "Alice")
        #expect(notificationsStatus(engine)?["state"] == "missing")
    }
}
