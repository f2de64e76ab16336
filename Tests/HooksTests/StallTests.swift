import Foundation
@testable import Hooks
import JSON
import Testing

/// Issue 11: whatever a hook calls returns within its budget (or is abandoned) and the built-in
/// default decides. Each hostile statement of Tests/fixtures/hostile_hooks is put at the top of a
/// hook function of the shipped scripts, as product staff might by accident.
@Suite struct StallTests {
    static let hostile = ((Fixtures.testsDirectory as NSString).appendingPathComponent("../fixtures/hostile_hooks") as NSString).standardizingPath
    static let overruns = ["pattern_backtracking", "rep_huge", "concat_range", "sort_comparator_loops", "sort_huge_length", "move_huge_range"]
    /// Far beyond the budget (milliseconds) and far below what the unbounded calls take (seconds
    /// to hours): a bound that cannot flake, and would fail without the budget.
    static let generousBound: Duration = .seconds(3)

    /// The shipped scripts with `statement` as the first line of `function` in `script`.
    static func folder(injecting statement: String, into function: String, of script: String) -> ScriptsFolder {
        let folder = ScriptsFolder()
        folder.installShippedScripts()
        folder.write(script, injected(statement, into: function, of: try! String(contentsOfFile: folder.path + "/" + script, encoding: .utf8)))
        return folder
    }

    static func injected(_ statement: String, into function: String, of source: String) -> String {
        let lines = source.components(separatedBy: "\n")
        guard let index = lines.firstIndex(where: { $0.hasPrefix("function ") && $0.contains("." + function + "(") }) else {
            fatalError("no function \(function) in the shipped script")
        }
        let parameter = lines[index].split(separator: "(")[1].split(whereSeparator: { $0 == "," || $0 == ")" }).first.map(String.init) ?? "nil"
        var result = lines
        result.insert("  local input = \(parameter); " + statement, at: index + 1)
        return result.joined(separator: "\n")
    }

    static func statement(_ name: String) -> String {
        try! String(contentsOfFile: hostile + "/" + name + ".lua", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Each call of a notification hook, with the built-in decision it must fall back to.
    static var notificationCalls: [(function: String, call: (HookEngine) -> JSON, builtin: JSON)] { [
        ("on_message", { $0.messageNotification(SampleEvents.message()) }, BuiltinHooks.messageNotification(SampleEvents.message())),
        ("on_reaction", { $0.reactionNotification(SampleEvents.reaction()) }, BuiltinHooks.reactionNotification(SampleEvents.reaction())),
        ("on_read", { $0.readReceiptNotification(SampleEvents.read()) }, BuiltinHooks.readReceiptNotification(SampleEvents.read())),
    ] }

    @Test(arguments: overruns)
    func everyNotificationHookIsStoppedAndTheDefaultDecides(bomb: String) {
        for (function, call, builtin) in Self.notificationCalls {
            let folder = Self.folder(injecting: Self.statement(bomb), into: function, of: "notifications.lua")
            let log = LogRecorder()
            let engine = HookEngine(scriptsDirectory: folder.path, limits: .default, logger: log.logger)
            let started = ContinuousClock.now
            let decision = call(engine)
            #expect(ContinuousClock.now - started < Self.generousBound, "\(bomb) in \(function)")
            #expect(decision == builtin, "\(bomb) in \(function)")
            #expect(log.errorText.contains("budget exceeded") || log.errorText.contains("time limit exceeded") || log.errorText.contains("memory limit exceeded"),
                    "\(bomb) in \(function): \(log.errorText)")
            #expect(log.errors.first?.metadata["hook.function"] == .string(function))
        }
    }

    @Test(arguments: ["guidance", "validate_group", "next_steps"])
    func guidanceHooksAreStoppedToo(function: String) {
        let folder = Self.folder(injecting: Self.statement("pattern_backtracking"), into: function, of: "guidance.lua")
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .default, logger: log.logger)
        let input: JSON = ["name": "Milonga friends", "participantIds": [2, 3]]
        let conversation: JSON = ["id": 1, "type": "group"]
        let started = ContinuousClock.now
        switch function {
        case "guidance":
            #expect(engine.guidance(flow: "group", context: [:]) == BuiltinHooks.guidance(flow: "group", context: [:]))
        case "validate_group":
            #expect(engine.validateGroupCreation(input) == BuiltinHooks.validateGroupCreation(input))
        default:
            #expect(engine.nextSteps(kind: "group", created: true, conversation: conversation)
                    == BuiltinHooks.nextSteps(kind: "group", created: true, conversation: conversation))
        }
        #expect(ContinuousClock.now - started < Self.generousBound)
        #expect(log.errorText.contains("exceeded"), "\(log.errorText)")
    }

    @Test func aFunctionThatKeepsOverrunningIsSuspendedUntilItsFileChanges() throws {
        let folder = Self.folder(injecting: Self.statement("pattern_backtracking"), into: "on_message", of: "notifications.lua")
        let log = LogRecorder()
        let limits = HookLimits(instructionBudget: 200_000, memoryBytes: 16 << 20, reloadCheckInterval: 0.05)
        let engine = HookEngine(scriptsDirectory: folder.path, limits: limits, logger: log.logger)
        for _ in 0..<limits.overrunsBeforeSuspension { _ = engine.messageNotification(SampleEvents.message()) }
        #expect(log.entries.contains { $0.message.contains("hook suspended") })
        #expect(engine.status()["suspended"] == ["notifications.on_message"])
        let overrunsSoFar = log.errors.count
        // Suspended: the built-in decides without running the script (no new overrun).
        #expect(engine.messageNotification(SampleEvents.message()) == BuiltinHooks.messageNotification(SampleEvents.message()))
        #expect(log.errors.count == overrunsSoFar)

        // The file is fixed: the next call uses it.
        folder.installShippedScripts()
        Thread.sleep(forTimeInterval: 0.1)
        let fixed = engine.messageNotification(SampleEvents.message())
        #expect(fixed["toast"]?["title"] == "Alice")
        #expect(engine.status()["suspended"] == [])
    }

    @Test func stringRepOfNothingReturnsAtOnce() {
        withEngine(fixture: "rep_of_nothing") { engine, log in
            let started = ContinuousClock.now
            #expect(engine.messageNotification(SampleEvents.message())["sound"] == "done")
            #expect(ContinuousClock.now - started < Self.generousBound)
            #expect(log.errors.isEmpty)
        }
    }

    @Test func errorTextsKeepFileAndLineButNotWhatPeopleWrote() {
        let folder = Self.folder(injecting: Self.statement("error_with_user_data"), into: "on_message", of: "notifications.lua")
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .default, logger: log.logger)
        let secret: JSON = "meet me at the secret milonga at 9"
        _ = engine.messageNotification(SampleEvents.message(content: secret))
        let lastError = engine.status()["scripts"]?.arrayValue?.last?["lastRuntimeError"]?.stringValue ?? ""
        #expect(lastError.hasPrefix("lua/notifications.lua:32: cannot decide for "), "\(lastError)")
        #expect(!lastError.contains("secret") && !lastError.contains("milonga"), "\(lastError)")
        #expect(!log.errorText.contains("secret"))
        #expect(engine.status()["folder"] == "lua")
    }
}
