import JSON
import Testing

@testable import Hooks

/// A run of calls (`callEach`) converts a returned value only when it differs from the previous
/// one (`LuaState.converts(at:to:)`): the reuse must never hand on a stale or merely similar value.
@Suite struct ReusedDecisionTests {
    /// Whether the value `source` returns converts to `json`, and `json(at:)`'s own answer.
    func check(_ source: String, against json: JSON) throws -> (matches: Bool, converted: JSON) {
        let lua = LuaState(memoryBytes: 8 << 20)
        if let failure = lua.compile(source, chunkName: "=test", timeLimit: .seconds(5)) { throw failure }
        if case let .failure(failure) = lua.limitedCall(arguments: 0, results: 1, instructionBudget: 1_000_000, timeLimit: .seconds(5)) {
            throw failure
        }
        return (lua.converts(at: -1, to: json), try lua.json(at: -1))
    }

    @Test func aMatchIsExactlyWhatConvertingWouldGive() throws {
        let decision: JSON = .object([("badge", .object([("conversation", .int(1)), ("total", .int(3))])), ("scroll", .bool(false)),
                                      ("sound", .string("message")), ("toast", .object([("body", .string("¿Vienes?")), ("title", .string("Ana"))]))])
        let cases: [(String, Bool)] = [
            ("return { badge = { total = 3, conversation = 1 }, scroll = false, sound = 'message', toast = { title = 'Ana', body = '¿Vienes?' } }", true),
            ("return { badge = { total = 3, conversation = 2 }, scroll = false, sound = 'message', toast = { title = 'Ana', body = '¿Vienes?' } }", false),
            ("return { badge = { total = 3.0, conversation = 1 }, scroll = false, sound = 'message', toast = { title = 'Ana', body = '¿Vienes?' } }", false),
            ("return { badge = { total = 3, conversation = 1 }, scroll = false, sound = 'message', toast = { title = 'Ana', body = '¿Vienes' } }", false),
            ("return { badge = { total = 3, conversation = 1 }, scroll = false, sound = 'message', toast = { title = 'Ana', body = '¿Vienes?', x = 1 } }", false),
            ("return { badge = { total = 3, conversation = 1 }, scroll = false, sound = 'message' }", false),
            ("return { badge = { total = 3, conversation = 1 }, scroll = 0, sound = 'message', toast = { title = 'Ana', body = '¿Vienes?' } }", false),
            ("return { badge = { 3, 1 }, scroll = false, sound = 'message', toast = { title = 'Ana', body = '¿Vienes?' } }", false),
        ]
        for (source, expected) in cases {
            let (matches, converted) = try check(source, against: decision)
            #expect(matches == expected, "\(source)")
            #expect(matches == (converted == decision), "a match must mean an equal conversion: \(source)")
        }
        #expect(try check("return { 'a', 'b' }", against: .array([.string("a"), .string("b")])).matches)
        #expect(try !check("return { 'a', 'b' }", against: .array([.string("b"), .string("a")])).matches)
        #expect(try !check("return { 'a', 'b', 'c' }", against: .array([.string("a"), .string("b")])).matches)
        #expect(try check("return {}", against: .array([])).matches)
        #expect(try !check("return 1", against: .double(1)).matches)
        #expect(try !check("return '1'", against: .int(1)).matches)
    }

    /// A script that keeps one table and changes it between recipients returns the same Lua
    /// table each time: every recipient must still get its own values.
    @Test func aTableChangedBetweenCallsIsConvertedAgain() {
        let folder = ScriptsFolder()
        folder.installShippedScripts()
        folder.write("notifications.lua", """
            local decision = { badge = { total = 0, conversation = 0 }, scroll = false }
            return { on_message = function(event)
              decision.badge.total = event.recipient.unreadTotal
              decision.badge.conversation = event.recipient.unreadInConversation
              return decision
            end }
            """)
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .default, logger: log.logger)
        withExtendedLifetime(folder) {
            let totals: [Int64] = [4, 4, 9, 4, 0]
            let recipients: [[(String, JSON)]] = totals.enumerated().map { index, total in
                [("recipient", .object([("id", .int(Int64(index + 1))), ("unreadTotal", .int(total)), ("unreadInConversation", .int(1))]))]
            }
            let decisions = engine.notifications(for: .newMessage, shared: [("message", .object([("content", "hola")]))], recipients: recipients)
            #expect(decisions.map { $0["badge"]?["total"] } == totals.map { .int($0) })
            #expect(log.errors.isEmpty)
        }
    }
}
