import Hooks
import JSON
import Testing

/// Budget, memory, errors and malformed results: each logged with file:line, each answered
/// with the built-in default, and the engine keeps working afterwards.
@Suite struct LimitsTests {
    /// Memory tests get a budget and a time limit high enough that the cap, not those, stops them.
    static let memoryLimits = HookLimits(instructionBudget: 50_000_000, memoryBytes: 4 << 20, reloadCheckInterval: 0.05, timeLimit: .seconds(30))

    @Test func anInfiniteLoopIsStoppedByTheInstructionBudget() {
        withEngine(fixture: "infinite_loop") { engine, log in
            let decision = engine.messageNotification(SampleEvents.message())

            #expect(decision["toast"]?["title"] == "Alice")
            #expect(log.errorText.contains("lua/notifications.lua:4: instruction budget exceeded"))
        }
    }

    @Test func pcallCannotSwallowTheBudget() {
        withEngine(fixture: "pcall_swallows_budget") { engine, log in
            let decision = engine.messageNotification(SampleEvents.message())

            #expect(decision["toast"]?["title"] == "Alice")
            #expect(decision["sound"] == "message")
            #expect(log.errorText.contains("instruction budget exceeded"))
            // The next call gets a fresh budget: the kill does not stick to the state.
            #expect(engine.readReceiptNotification(SampleEvents.read())["badge"] == ["total": 5, "conversation": 2])
        }
    }

    @Test func aMemoryBombIsStoppedByTheAllocator() {
        withEngine(fixture: "memory_bomb", limits: Self.memoryLimits) { engine, log in
            let decision = engine.messageNotification(SampleEvents.message())

            #expect(decision["toast"]?["title"] == "Alice")
            #expect(log.errorText.contains("memory limit exceeded"))
            #expect(log.errors.first?.metadata["hook.script"] == "lua/notifications.lua")
            // The garbage is collected; the engine still answers.
            #expect(engine.messageNotification(SampleEvents.message(focused: 7))["scroll"] == true)
        }
    }

    @Test func pcallCannotSwallowTheMemoryCap() {
        withEngine(fixture: "pcall_swallows_memory", limits: Self.memoryLimits) { engine, log in
            let decision = engine.messageNotification(SampleEvents.message())

            #expect(decision["toast"]?["title"] == "Alice")
            #expect(decision["sound"] == "message")
            #expect(log.errorText.contains("memory limit exceeded"))
        }
    }

    @Test func aStateLeftFullIsRebuiltWithTheScriptsInUse() {
        withEngine(fixture: "memory_hoarder", limits: Self.memoryLimits) { engine, log in
            #expect(engine.messageNotification(SampleEvents.message())["sound"] == "message")
            #expect(log.errorText.contains("memory limit exceeded"))
            #expect(log.entries.contains { $0.message.contains("rebuilding") })
            // The rebuilt state runs the same script again, with its memory back.
            #expect(engine.readReceiptNotification(SampleEvents.read())["badge"] == ["total": 42, "conversation": 0])
            #expect(engine.status()["scripts"]?.arrayValue?.first { $0["file"] == "lua/notifications.lua" }?["state"] == "loaded")
        }
    }

    @Test func aRuntimeErrorIsLoggedWithFileAndLine() {
        withEngine(fixture: "runtime_error") { engine, log in
            let decision = engine.messageNotification(SampleEvents.message())

            #expect(decision["toast"]?["title"] == "Alice")
            #expect(log.errorText.contains("lua/notifications.lua:4: attempt to index a nil value (local 'missing')"))
            #expect(log.errors.first?.metadata["hook.line"] == "4")
            #expect(log.errors.first?.metadata["hook.function"] == "on_message")
            let script = engine.status()["scripts"]?.arrayValue?.first { $0["file"] == "lua/notifications.lua" }
            #expect(script?["lastRuntimeError"]?.stringValue?.hasPrefix("lua/notifications.lua:4:") == true)
            #expect(script?["state"] == "loaded")
        }
    }

    @Test func aMalformedReturnFallsBackToTheDefault() {
        withEngine(fixture: "malformed_return") { engine, log in
            let decision = engine.messageNotification(SampleEvents.message())

            #expect(decision == [
                "toast": ["title": "Alice", "body": "See you at 8?"], "badge": ["total": 5, "conversation": 2],
                "sound": "message", "scroll": false,
            ])
            #expect(log.errorText.contains("lua/notifications.lua:3: on_message returned a toast without a text title and body"))
        }
    }

    @Test func aValueWithoutJSONFormIsMalformed() {
        withEngine(fixture: "returns_function") { engine, log in
            #expect(engine.messageNotification(SampleEvents.message())["sound"] == "message")
            #expect(log.errorText.contains("returned a function value, which has no JSON form"))
        }
    }

    @Test func aMissingHookFunctionUsesTheDefaultSilently() {
        // infinite_loop.lua has only on_message.
        withEngine(fixture: "infinite_loop") { engine, log in
            #expect(engine.reactionNotification(SampleEvents.reaction())["toast"]?["title"] == "Bob reacted 👍")
            #expect(log.errors.isEmpty)
        }
    }
}
