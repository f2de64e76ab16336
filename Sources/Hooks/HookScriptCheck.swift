import Foundation
import JSON
import Logging

/// `messaging-admin hooks check`: loads every script and runs each hook against the bundled
/// example events (and variations of the recipient), collecting each problem as
/// "file:line: message". No problems means the scripts are safe to ship.
public enum HookScriptCheck {
    public struct Report: Sendable {
        /// "lua/notifications.lua:12: attempt to index a nil value", one per problem.
        public var problems: [String]
        /// How many hook calls ran, for the summary line.
        public var runs: Int
    }

    /// The example events are `<scriptsDirectory>/examples/*.json` unless told otherwise.
    public static func run(scriptsDirectory: String, examplesDirectory: String? = nil, logger: Logger) -> Report {
        var problems: [String] = []
        let engine = HookEngine(scriptsDirectory: scriptsDirectory, limits: .default, logger: logger) { problems.append($0) }
        var runs = 0

        // Files that no script requires are not loaded, so compile errors come from the status.
        for failure in engine.status()["compileErrors"]?.arrayValue ?? [] {
            if let message = failure["error"]?.stringValue, !problems.contains(message) { problems.append(message) }
        }

        for flow in ["direct", "group"] {
            for context: JSON in [[:], ["conversationExists": true], ["conversationExists": false]] {
                _ = engine.guidance(flow: flow, context: context)
                runs += 1
            }
        }
        for kind in ["direct", "group"] {
            for created in [true, false] {
                _ = engine.nextSteps(kind: kind, created: created, conversation: ["id": 1, "type": .string(kind)])
                runs += 1
            }
        }

        let folder = examplesDirectory ?? scriptsDirectory + "/examples"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        let displayFolder = ScriptFolder(directory: scriptsDirectory).displayName(of: "examples")
        for name in names {
            let displayName = displayFolder + "/" + name
            guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
                problems.append("\(displayName): cannot be read")
                continue
            }
            let example: JSON
            do {
                example = try JSON.parse(Array(data))
            } catch {
                problems.append("\(displayName): not valid JSON (\(error.message) at byte \(error.offset))")
                continue
            }
            if let name = example["event"]?.stringValue, name != "group_creation" {
                guard let event = HookEvent(rawValue: name) else {
                    problems.append("\(displayName): unknown event \"\(name)\" (\(HookEvent.names))")
                    continue
                }
                for variant in recipientVariants(of: example) {
                    _ = engine.notification(for: event, variant)
                    runs += 1
                }
            } else {
                _ = engine.validateGroupCreation(example)
                runs += 1
            }
        }
        // The same mistake shows up once per example and variant: report it once.
        var seen = Set<String>()
        return Report(problems: problems.filter { seen.insert($0).inserted }, runs: runs)
    }

    /// The example as given, plus the recipient focused on that conversation, looking elsewhere,
    /// muted, having blocked the sender, and being the sender: every branch of a typical script.
    static func recipientVariants(of event: JSON) -> [JSON] {
        guard let recipient = event["recipient"] else { return [event] }
        let conversationID = event["conversation"]?["id"] ?? event["message"]?["conversationId"] ?? .null
        return [
            event,
            event.setting("recipient", recipient.setting("focusedConversationId", conversationID)),
            event.setting("recipient", recipient.setting("focusedConversationId", .null)),
            event.setting("recipient", recipient.setting("muted", true)),
            event.setting("recipient", recipient.setting("senderBlocked", true)),
            event.setting("recipient", recipient.setting("id", event["sender"]?["id"] ?? .null)),
        ]
    }
}
