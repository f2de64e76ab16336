import ArgumentParser
import Foundation
import Hooks
import JSON
import Logging

/// `messaging-admin hooks ...`: lets product staff try their Lua hook scripts before saving them
/// where the daemons read them.
struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Check and try the H2AC Lua hook scripts.",
        subcommands: [Check.self, Run.self, Bench.self]
    )

    /// Problems go to stderr as "file:line: message"; hook log(...) lines too.
    static func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "hooks") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        return logger
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile every script and run it against the bundled example events.",
            discussion: "Prints each problem as file:line: message and exits non-zero if there is any."
        )

        @Option(name: .long, help: "The scripts folder.")
        var dir: String = "lua"

        @Option(name: .long, help: "Folder of example events (default: <dir>/examples).")
        var examples: String?

        func run() throws {
            guard FileManager.default.fileExists(atPath: dir) else {
                throw ValidationError("no scripts folder at \(dir)")
            }
            let report = HookScriptCheck.run(scriptsDirectory: dir, examplesDirectory: examples, logger: HooksCommand.logger(level: .critical))
            for problem in report.problems { print(problem) }
            if report.problems.isEmpty {
                print("ok: \(report.runs) hook runs, no problems")
            } else {
                print("\(report.problems.count) problem(s) in \(report.runs) hook runs")
                throw ExitCode.failure
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what the scripts decide for a flow or an event.",
            discussion: """
                Flows: direct, group (guidance), group_creation (the group validation).
                Events: \(HookEvent.names); the input defaults to the bundled \
                <dir>/examples/<event>.json.
                """
        )

        @Argument(help: "direct | group | group_creation | new_message | reaction_added | message_read")
        var flowOrEvent: String

        @Option(name: .long, help: "The scripts folder.")
        var dir: String = "lua"

        @Option(name: .long, help: "A JSON file with the event (or the guidance context / group input).")
        var input: String?

        @Option(name: .long, help: "The recipient's user id (the sender's id shows what their other devices get).")
        var recipient: Int64?

        @Option(name: .long, help: "The conversation the recipient is looking at.")
        var recipientFocused: Int64?

        @Option(name: .long, help: "The recipient's unread count in this conversation and in total, e.g. 3,12.")
        var unread: String?

        @Flag(name: .long, help: "The recipient muted the conversation.")
        var muted = false
        @Flag(name: .customLong("sender-blocked"), help: "The recipient blocked the sender (a group both are in).")
        var senderBlocked = false

        func run() throws {
            let engine = HookEngine(scriptsDirectory: dir, logger: HooksCommand.logger(level: .info))
            let decision: JSON?
            switch flowOrEvent {
            case "direct", "group":
                decision = engine.guidance(flow: flowOrEvent, context: try loadInput(default: nil) ?? [:])
            case "group_creation":
                decision = engine.validateGroupCreation(try loadInput(default: "group_creation") ?? [:]) ?? .null
            default:
                guard let hookEvent = HookEvent(rawValue: flowOrEvent) else {
                    throw ValidationError("unknown flow or event \"\(flowOrEvent)\"")
                }
                guard var event = try loadInput(default: flowOrEvent) else {
                    throw ValidationError("no example event at \(dir)/examples/\(flowOrEvent).json; pass --input")
                }
                event = try adjustingRecipient(of: event)
                decision = engine.notification(for: hookEvent, event)
            }
            print(decision?.serialized ?? "null")
        }

        func loadInput(default exampleName: String?) throws -> JSON? {
            let path: String
            if let input { path = input } else if let exampleName { path = dir + "/examples/" + exampleName + ".json" } else { return nil }
            guard let data = FileManager.default.contents(atPath: path) else {
                if input == nil { return nil }
                throw ValidationError("cannot read \(path)")
            }
            do {
                return try JSON.parse(Array(data))
            } catch {
                throw ValidationError("\(path): not valid JSON (\(error.message) at byte \(error.offset))")
            }
        }

        func adjustingRecipient(of event: JSON) throws -> JSON {
            guard var recipient = event["recipient"] else { return event }
            if let id = self.recipient { recipient = recipient.setting("id", .int(id)) }
            if let unread {
                let parts = unread.split(separator: ",").map { Int64($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, let inConversation = parts[0], let total = parts[1] else {
                    throw ValidationError("--unread expects two numbers: in this conversation, in total (e.g. 3,12)")
                }
                recipient = recipient.setting("unreadInConversation", .int(inConversation)).setting("unreadTotal", .int(total))
            }
            if let recipientFocused { recipient = recipient.setting("focusedConversationId", .int(recipientFocused)) }
            if muted { recipient = recipient.setting("muted", true) }
            if senderBlocked { recipient = recipient.setting("senderBlocked", true) }
            return event.setting("recipient", recipient)
        }
    }
}

extension HooksCommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the scripts' decision for one event: microseconds per call.",
            discussion: """
                Runs the event's hook --calls times in one Lua state, as a push daemon does per \
                recipient. --unbounded uses Lua's own library functions and no time limit instead \
                of the budgeted ones: run both to see what the bounds cost (lua/README.md, "Limits").
                """
        )

        @Argument(help: "new_message | reaction_added | message_read")
        var event: String = "new_message"

        @Option(name: .long, help: "The scripts folder.")
        var dir: String = "lua"

        @Option(name: .long, help: "How many calls.")
        var calls: Int = 100_000

        @Flag(name: .long, help: "Lua's own library functions and no time limit (for comparison only).")
        var unbounded = false

        func run() throws {
            guard let hookEvent = HookEvent(rawValue: event) else {
                throw ValidationError("unknown event \"\(event)\"")
            }
            var loader = try Run.parse([event, "--dir", dir])
            loader.flowOrEvent = event
            guard let input = try loader.loadInput(default: event) else {
                throw ValidationError("no example event at \(dir)/examples/\(event).json")
            }
            var limits = HookLimits.default
            if unbounded {
                limits.budgetedLibraries = false
                limits.timeLimit = .zero
            }
            let engine = HookEngine(scriptsDirectory: dir, limits: limits, logger: HooksCommand.logger(level: .error))
            _ = engine.notification(for: hookEvent, input)  // loads the scripts
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for _ in 0..<calls { _ = engine.notification(for: hookEvent, input) }
            }
            let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
            print(String(format: "%@ %@: %d calls, %.3f µs per call", event, unbounded ? "unbounded" : "budgeted", calls, calls > 0 ? micros / Double(calls) : 0))
        }
    }
}
