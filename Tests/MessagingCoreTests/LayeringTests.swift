import Foundation
import Testing

/// The dependency direction of docs/ARCHITECTURE (executables -> core -> Postgres layer; Hooks
/// beside the core). SwiftPM lets a target import any module built before it, declared or not,
/// so this checks the sources: SQL stays in MessagingCore's stores.
@Suite struct LayeringTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// (file, imported module) for every `import` line of the target's Swift files.
    static func imports(of target: String) throws -> [(file: String, module: String)] {
        let folder = sources.appendingPathComponent(target)
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        #expect(!files.isEmpty, "no Swift files under \(folder.path)")
        return try files.flatMap { file in
            try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap { line -> (String, String)? in
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), words.indices.contains(index + 1),
                      words[..<index].allSatisfy({ $0.hasPrefix("@") }) else { return nil }
                return (file.lastPathComponent, String(words[index + 1]))
            }
        }
    }

    @Test(arguments: ["FCGIApp", "PushDaemon", "MessagingAdmin"])
    func executablesReachTheDatabaseOnlyThroughTheStores(target: String) throws {
        let forbidden = try Self.imports(of: target).filter { ["Postgres", "CLibPQ"].contains($0.module) }
        #expect(forbidden.isEmpty, "\(target) imports the database layer: \(forbidden)")
    }

    @Test func hooksKnowNothingOfTheCore() throws {
        let forbidden = try Self.imports(of: "Hooks").filter { ["MessagingCore", "Postgres", "CLibPQ"].contains($0.module) }
        #expect(forbidden.isEmpty, "Hooks imports \(forbidden)")
    }
}
