import Foundation
@testable import Hooks
import JSON
import Testing

/// The budgeted replacements of Lua's library functions (CLuaSandbox): the same results and errors
/// as Lua's own on ordinary input, and stopped by the budget on hostile input.
@Suite struct BudgetedLibraryTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/budgeted").path

    /// Runs `fixture` in a plain state that has Lua's own libraries and, as `budgeted`, the
    /// replacements; returns what the chunk returned.
    private func run(_ fixture: String) throws -> JSON {
        let lua = LuaState(memoryBytes: 64 << 20, budgeted: false)
        let source = try String(contentsOfFile: Self.fixtures + "/" + fixture, encoding: .utf8)
        lua.setGlobalToBudgetedLibraries(named: "budgeted")
        if let failure = lua.compile(source, chunkName: "@" + fixture, timeLimit: .seconds(10)) { throw failure }
        switch lua.limitedCall(arguments: 0, results: 1, instructionBudget: 500_000_000, timeLimit: .seconds(60)) {
        case .success: return try lua.json(at: -1)
        case let .failure(failure): throw failure
        }
    }

    @Test func ordinaryInputGivesLuasOwnResults() throws {
        let problems = try run("parity.lua")
        #expect(problems == [], "\(problems.arrayValue?.compactMap(\.stringValue).joined(separator: "\n") ?? "")")
    }
}
