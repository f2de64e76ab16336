import Foundation
import Hooks
import JSON
import Logging

/// Collects what an engine logs, so tests can assert on the error log without bootstrapping
/// the global LoggingSystem.
final class LogRecorder: @unchecked Sendable {
    struct Entry {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var recorded: [Entry] = []

    var entries: [Entry] { lock.withLock { recorded } }
    var errors: [Entry] { entries.filter { $0.level >= .error } }
    /// Every error line with its metadata, one string each, for `contains` checks.
    var errorText: String {
        errors.map { entry in
            entry.message + " " + entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    func append(_ entry: Entry) { lock.withLock { recorded.append(entry) } }

    var logger: Logger {
        Logger(label: "hooks-test") { _ in RecordingLogHandler(recorder: self) }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        recorder.append(.init(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}

/// A fresh scripts folder in /tmp per test, removed when the test ends.
final class ScriptsFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "hooks-test-" + UUID().uuidString + "/lua"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }

    func write(_ relativePath: String, _ text: String) {
        let full = path + "/" + relativePath
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    /// Copies Tests/HooksTests/Fixtures/<fixture>.lua to <relativePath> in this folder.
    func install(fixture: String, as relativePath: String) {
        write(relativePath, Fixtures.text(fixture))
    }

    /// Copies the shipped lua/ scripts, their lib/ modules and the example events into this folder.
    func installShippedScripts() {
        let examples = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.shippedScripts + "/examples")) ?? []
        for file in ["guidance.lua", "notifications.lua", "lib/text.lua"] + examples.map({ "examples/" + $0 }) {
            write(file, try! String(contentsOfFile: Fixtures.shippedScripts + "/" + file, encoding: .utf8))
        }
    }
}

enum Fixtures {
    /// The real directory of this file (the test folder may be reached through a symlink).
    static let testsDirectory: String = {
        let resolved = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().path
        return (resolved as NSString).deletingLastPathComponent
    }()

    static let shippedScripts = ((testsDirectory as NSString).appendingPathComponent("../../lua") as NSString).standardizingPath

    static func text(_ name: String) -> String {
        try! String(contentsOfFile: testsDirectory + "/Fixtures/" + name + ".lua", encoding: .utf8)
    }
}

/// Events in the shape the PushDaemon sends (see lua/README.md).
enum SampleEvents {
    static func message(
        focused: Int64? = nil, muted: Bool = false, recipientID: Int64 = 2, content: JSON = "See you at 8?",
        conversationType: String = "direct", mediaType: JSON = .null, mediaURL: JSON = .null, senderBlocked: Bool = false
    ) -> JSON {
        [
            "event": "new_message",
            "message": [
                "id": 501, "conversationId": 7, "senderId": 1, "content": content,
                "mediaUrl": mediaURL, "mediaType": mediaType, "createdAt": "2025-01-01T10:00:00Z",
            ],
            "sender": ["id": 1, "username": "alice", "displayName": "Alice", "avatar": .null],
            "conversation": ["id": 7, "type": .string(conversationType), "name": conversationType == "group" ? "Weekend trip" : .null, "participantCount": 3],
            "recipient": [
                "id": .int(recipientID), "focusedConversationId": JSON(focused), "unreadTotal": 5,
                "unreadInConversation": 2, "muted": .bool(muted), "senderBlocked": .bool(senderBlocked),
            ],
        ]
    }

    static func reaction(recipientID: Int64 = 1, focused: Int64? = nil, muted: Bool = false, senderBlocked: Bool = false) -> JSON {
        message(focused: focused, muted: muted, recipientID: recipientID, senderBlocked: senderBlocked)
            .setting("event", "reaction_added")
            .setting("sender", ["id": 2, "username": "bob", "displayName": "Bob", "avatar": .null])
            .setting("reaction", ["emoji": "👍", "userId": 2])
    }

    static func read(recipientID: Int64 = 1) -> JSON {
        message(recipientID: recipientID)
            .setting("event", "message_read")
            .setting("reader", ["id": 2, "username": "bob", "displayName": "Bob"])
            .setting("upToMessageId", 501)
    }
}

/// Small limits so the sandbox tests stop quickly.
extension HookLimits {
    static let test = HookLimits(instructionBudget: 100_000, memoryBytes: 4 << 20, reloadCheckInterval: 0.05)
}

/// Runs `body` with a fresh engine over a fresh folder holding `fixture` as notifications.lua
/// (or as `scriptName`); the folder lives until `body` returns.
func withEngine(
    fixture: String, as scriptName: String = "notifications.lua", limits: HookLimits = .test,
    _ body: (HookEngine, LogRecorder) throws -> Void
) rethrows {
    let folder = ScriptsFolder()
    folder.install(fixture: fixture, as: scriptName)
    let log = LogRecorder()
    let engine = HookEngine(scriptsDirectory: folder.path, limits: limits, logger: log.logger)
    try withExtendedLifetime(folder) { try body(engine, log) }
}
