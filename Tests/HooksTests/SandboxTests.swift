import Hooks
import JSON
import Testing

/// Each fixture's on_message does one forbidden thing at line 4 and would otherwise return a
/// conspicuous decision; the engine must log the error and answer with the built-in default.
@Suite struct SandboxTests {
    static let forbidden: [(fixture: String, named: String)] = [
        ("forbidden_io", "'io'"),
        ("forbidden_os", "'os'"),
        ("forbidden_debug", "'debug'"),
        ("forbidden_package", "'package'"),
        ("forbidden_load", "'load'"),
        ("forbidden_loadfile", "'loadfile'"),
        ("forbidden_dofile", "'dofile'"),
        ("forbidden_string_dump", "'dump'"),
        ("unknown_global_read", "unknown global 'undeclared_helper'"),
        ("unknown_global_write", "undeclared global 'remembered'"),
        ("missing_module", "module 'does.not.exist' not found"),
        ("gc_metamethod", "__gc metamethods are not allowed"),
    ]

    @Test(arguments: forbidden.map(\.fixture))
    func forbiddenAccessFallsBackToTheDefault(fixture: String) {
        let named = Self.forbidden.first { $0.fixture == fixture }!.named
        withEngine(fixture: fixture) { engine, log in
            let event = SampleEvents.message()

            let decision = engine.messageNotification(event)

            #expect(decision["toast"]?["title"] == "Alice")
            #expect(decision["badge"] == ["total": 5, "conversation": 2])
            #expect(log.errorText.contains(named))
            #expect(log.errorText.contains("lua/notifications.lua:4:"))
            #expect(log.errors.first?.metadata["hook.line"] == "4")
            #expect(log.errors.first?.metadata["hook.script"] == "lua/notifications.lua")
        }
    }

    @Test func theSharedStringTableIsOutOfReach() {
        withEngine(fixture: "string_metatable") { engine, log in

            #expect(engine.messageNotification(SampleEvents.message())["toast"]?["title"] == "Alice")
            #expect(log.errorText.contains("lua/notifications.lua:4:"))
        }
    }

    @Test func aGlobalAssignedWhileLoadingFailsTheLoad() {
        withEngine(fixture: "top_level_global") { engine, log in

            #expect(engine.messageNotification(SampleEvents.message())["sound"] == "message")
            #expect(log.errorText.contains("lua/notifications.lua:2: assignment to undeclared global 'helper'"))
            let script = engine.status()["scripts"]?.arrayValue?.first { $0["file"] == "lua/notifications.lua" }
            #expect(script?["state"] == "failed")
            #expect(script?["usingBuiltinDefaults"] == true)
        }
    }

    @Test func aScriptMustReturnATableOfHooks() {
        withEngine(fixture: "not_a_table") { engine, log in

            #expect(engine.messageNotification(SampleEvents.message())["sound"] == "message")
            #expect(log.errorText.contains("must return a table of hook functions"))
        }
    }

    @Test func rawJSONFragmentsReachScriptsAsTables() {
        withEngine(fixture: "logs_and_decides") { engine, _ in
            let event = SampleEvents.message().setting("message", .raw(#"{"id": 9, "content": "from Postgres"}"#))
            #expect(engine.messageNotification(event)["toast"]?["body"] == "from Postgres")
        }
    }

    @Test func logCallsReachTheLoggerWithTheirLine() {
        withEngine(fixture: "logs_and_decides") { engine, log in

            let decision = engine.messageNotification(SampleEvents.message())

            #expect(decision == ["toast": ["title": "Custom", "body": "See you at 8?"], "badge": ["total": 1, "conversation": 0], "sound": nil, "scroll": false])
            let line = log.entries.first { $0.message.hasPrefix("hook log:") }
            #expect(line?.message == "hook log: lua/notifications.lua:4: deciding for 2")
            #expect(log.errors.isEmpty)
        }
    }
}
