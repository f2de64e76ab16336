import Foundation
import MessagingCore
import Testing

/// `EventKind` lists exactly the kinds the SQL writes into `chat_events`: a kind added to a
/// migration without the enum (or left in the enum after the live functions stopped writing it)
/// fails here.
@Suite struct EventKindTests {
    static let migrations = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations")

    /// Every `INSERT INTO chat_events ...` statement in the .sql files under `folder` (and its
    /// subfolders), with the kind it writes: the statement's first string literal
    /// (`VALUES (room, 'kind', ...)` or `SELECT room, 'kind', ...`).
    static func insertedKinds(under folder: URL) throws -> (statements: Int, kinds: Set<String>) {
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "sql" } ?? []
        let insert = try NSRegularExpression(pattern: #"INSERT\s+INTO\s+chat_events\b([^;]*)"#, options: [.caseInsensitive])
        let literal = try NSRegularExpression(pattern: #"'([^']*)'"#)
        var statements = 0
        var kinds = Set<String>()
        for file in files {
            // Comments could mention a statement without being one.
            let sql = try String(contentsOf: file, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { line in line.range(of: "--").map { String(line[..<$0.lowerBound]) } ?? String(line) }
                .joined(separator: "\n")
            let whole = NSRange(sql.startIndex..., in: sql)
            for match in insert.matches(in: sql, range: whole) {
                statements += 1
                let body = match.range(at: 1)
                if let kind = literal.firstMatch(in: sql, range: body), let range = Range(kind.range(at: 1), in: sql) {
                    kinds.insert(String(sql[range]))
                }
            }
        }
        return (statements, kinds)
    }

    @Test func enumListsEveryKindTheSQLWrites() throws {
        let (statements, kinds) = try Self.insertedKinds(under: Self.migrations)
        #expect(statements >= 13, "found \(statements) INSERT INTO chat_events statements under \(Self.migrations.path)")
        #expect(kinds == Set(EventKind.allCases.map(\.rawValue)))
    }

    /// The live definitions (`migrations/functions/`, re-applied when changed) write every kind:
    /// the numbered files alone may hold a kind that no function writes any more.
    @Test func liveFunctionsWriteEveryKind() throws {
        let functions = Self.migrations.appendingPathComponent("functions")
        let (statements, kinds) = try Self.insertedKinds(under: functions)
        #expect(statements >= 13, "found \(statements) INSERT INTO chat_events statements under \(functions.path)")
        #expect(kinds == Set(EventKind.allCases.map(\.rawValue)))
    }

    @Test func roomChangingKinds() {
        #expect(EventKind.allCases.filter(\.changesRoom) == [.conversationCreated, .conversationUpdated, .memberAdded, .memberRemoved, .roleChanged])
    }
}
