import JSON
import Testing

@testable import Hooks

/// Lua values a hook returns, as JSON: what converts, and each value that has no JSON form
/// refused with words for the log (the caller then uses the built-in default).
@Suite struct LuaJSONConversionTests {
    /// The value `source` (a chunk) returns, as JSON.
    func converted(_ source: String) throws -> JSON {
        let lua = LuaState(memoryBytes: 8 << 20)
        if let failure = lua.compile(source, chunkName: "=test", timeLimit: .seconds(5)) { throw failure }
        if case let .failure(failure) = lua.limitedCall(arguments: 0, results: 1, instructionBudget: 1_000_000, timeLimit: .seconds(5)) {
            throw failure
        }
        return try lua.json(at: -1)
    }

    func refusal(_ source: String) -> String? {
        do {
            _ = try converted(source)
            return nil
        } catch let error as LuaConversionError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func tablesBecomeObjectsWithSortedKeysOrLists() throws {
        #expect(try converted("return { b = 1, a = { 'x', 2.5, true } }") == ["a": ["x", 2.5, true], "b": 1])
        #expect(try converted("return {}") == [])
    }

    @Test(arguments: [
        ("return { 1, 2, name = 'x' }", "a table with both list items and named fields"),
        ("return { [true] = 1 }", "a table key that is neither a string nor a list position"),
        ("return { [0] = 1 }", "a table key that is neither a string nor a list position"),
        ("local t = {} t.self = t return t", "tables nested too deeply (a table that contains itself?)"),
        ("return 1/0", "a number that is not finite (inf)"),
        ("return { f = function() end }", "a function value, which has no JSON form"),
    ])
    func valuesWithoutAJSONFormAreRefused(_ source: String, _ message: String) {
        #expect(refusal(source) == message)
    }

    @Test func jsonNestedDeeperThanTheLimitStopsThere() throws {
        var deep: JSON = "bottom"
        for _ in 0...LuaState.maximumDepth + 1 { deep = ["next": deep] }
        let lua = LuaState(memoryBytes: 8 << 20)
        let count = "local t, n = ..., 0 while type(t) == 'table' do n = n + 1 t = t.next end return n"
        if let failure = lua.compile(count, chunkName: "=depth", timeLimit: .seconds(5)) { throw failure }
        lua.push(deep)
        if case let .failure(failure) = lua.limitedCall(arguments: 1, results: 1, instructionBudget: 1_000_000, timeLimit: .seconds(5)) {
            throw failure
        }
        #expect(try lua.json(at: -1) == .int(Int64(LuaState.maximumDepth) + 1))
    }
}
