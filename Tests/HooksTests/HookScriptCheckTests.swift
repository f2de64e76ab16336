import Hooks
import JSON
import Testing

/// What `messaging-admin hooks check` reports.
@Suite struct HookScriptCheckTests {
    @Test func theShippedScriptsAndExamplesHaveNoProblems() {
        let report = HookScriptCheck.run(scriptsDirectory: Fixtures.shippedScripts, logger: LogRecorder().logger)
        #expect(report.problems == [])
        #expect(report.runs > 20)
    }

    @Test func problemsAreReportedOnceAsFileLineMessage() {
        let folder = ScriptsFolder()
        folder.installShippedScripts()
        folder.install(fixture: "runtime_error", as: "notifications.lua")
        folder.write("lib/unused.lua", "return {")
        folder.write("examples/broken.json", "{\"event\": ")

        let report = HookScriptCheck.run(scriptsDirectory: folder.path, examplesDirectory: nil, logger: LogRecorder().logger)

        #expect(report.problems.contains("lua/notifications.lua:4: attempt to index a nil value (local 'missing')"))
        #expect(report.problems.contains { $0.hasPrefix("lua/lib/unused.lua:1: ") })
        #expect(report.problems.filter { $0.hasPrefix("lua/notifications.lua:4:") }.count == 1)
        withExtendedLifetime(folder) {}
    }

    @Test func brokenExamplesAreProblemsToo() {
        let folder = ScriptsFolder()
        folder.installShippedScripts()
        folder.write("examples/broken.json", "{\"event\": ")
        folder.write("examples/unknown.json", "{\"event\": \"message_pinned\"}")

        let report = HookScriptCheck.run(scriptsDirectory: folder.path, logger: LogRecorder().logger)

        #expect(report.problems.count == 2)
        #expect(report.problems.contains { $0.hasPrefix("lua/examples/broken.json: not valid JSON") })
        #expect(report.problems.contains { $0.hasPrefix("lua/examples/unknown.json: unknown event") })
        withExtendedLifetime(folder) {}
    }
}
