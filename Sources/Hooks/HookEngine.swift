import Foundation
import JSON
import Logging

/// The H2AC hooks: runs product staff's Lua scripts from `scriptsDirectory` and answers with
/// their decisions, or with the built-in defaults whenever a script is missing, fails, runs out
/// of budget or memory, or returns something malformed. A hook never throws and never blocks.
///
/// One engine per thread: it owns a Lua state, which must never be shared between threads.
public final class HookEngine {
    private let runtime: ScriptRuntime

    public init(scriptsDirectory: String, limits: HookLimits = .default, logger: Logger) {
        runtime = ScriptRuntime(directory: scriptsDirectory, limits: limits, logger: logger)
    }

    /// For `hooks check`: every problem is also handed to `onProblem` as "file:line: message".
    init(scriptsDirectory: String, limits: HookLimits, logger: Logger, onProblem: @escaping (String) -> Void) {
        runtime = ScriptRuntime(directory: scriptsDirectory, limits: limits, logger: logger, onProblem: onProblem)
    }

    /// GET /api/h2ac/guidance/:flow ("direct" | "group"); nil for an unknown flow.
    /// `context` may carry e.g. {"conversationExists": true}.
    public func guidance(flow: String, context: JSON) -> JSON? {
        decide("guidance", "guidance", [.string(flow), context], shape: HookResultShape.guidance) {
            BuiltinHooks.guidance(flow: flow, context: context)
        }
    }

    /// Group creation check: input {"name", "participantIds", "avatar"?, "firstMessage"?}.
    /// nil when fine, else {"field": ..., "message": <the script's wording for a person>}.
    public func validateGroupCreation(_ input: JSON) -> JSON? {
        decide("guidance", "validate_group", [input], shape: HookResultShape.groupValidation) {
            BuiltinHooks.validateGroupCreation(input)
        }
    }

    /// Next steps for the create-conversation responses: {"steps": [...]}.
    public func nextSteps(kind: String, created: Bool, conversation: JSON) -> JSON {
        decide("guidance", "next_steps", [.string(kind), .bool(created), conversation], shape: HookResultShape.nextSteps) {
            BuiltinHooks.nextSteps(kind: kind, created: created, conversation: conversation)
        }
    }

    /// The `h2ac` object of a new-message push frame for one recipient.
    public func messageNotification(_ input: JSON) -> JSON {
        decide("notifications", "on_message", [input], shape: HookResultShape.decision) {
            BuiltinHooks.messageNotification(input)
        }
    }

    /// The `h2ac` object of a reaction push frame for one recipient.
    public func reactionNotification(_ input: JSON) -> JSON {
        decide("notifications", "on_reaction", [input], shape: HookResultShape.decision) {
            BuiltinHooks.reactionNotification(input)
        }
    }

    /// The `h2ac` object of a read-receipt push frame for one recipient.
    public func readReceiptNotification(_ input: JSON) -> JSON {
        decide("notifications", "on_read", [input], shape: HookResultShape.decision) {
            BuiltinHooks.readReceiptNotification(input)
        }
    }

    /// The decision for a push event and one recipient.
    public func notification(for event: HookEvent, _ input: JSON) -> JSON {
        switch event {
        case .newMessage: messageNotification(input)
        case .reactionAdded: reactionNotification(input)
        case .messageRead: readReceiptNotification(input)
        }
    }

    /// The decisions for one push event and many recipients: `shared` holds the fields every
    /// recipient's input has in common (event, message, sender, conversation, ...), `recipients`
    /// each one's own (`recipient`). Same results as calling `notification(for:_:)` with each
    /// merged input, but the shared part is converted to Lua once.
    public func notifications(for event: HookEvent, shared: [(String, JSON)], recipients: [[(String, JSON)]]) -> [JSON] {
        let (function, builtin) = event.hook
        let outcomes = runtime.callEach(entry: "notifications", function: function, shared: shared, each: recipients)
        // A value the runtime handed on again (the same decision as the recipient before) was
        // checked already: the same checked decision, which the frames then recognise too.
        var lastChecked: (value: JSON, decision: JSON)?
        return zip(outcomes, recipients).map { outcome, own in
            let input = { JSON.object(shared + own) }
            guard case let .returned(value, line) = outcome else { return builtin(input()) }
            if let lastChecked, lastChecked.value.sharesStorage(with: value) { return lastChecked.decision }
            do {
                let decision = try HookResultShape.decision(value)
                lastChecked = (value, decision)
                return decision
            } catch let problem as ShapeProblem {
                runtime.reportMalformed(entry: "notifications", function: function, line: line, problem: problem.description)
                return builtin(input())
            } catch {
                return builtin(input())
            }
        }
    }

    /// For a status endpoint: per script its file, when the version in use was loaded, and the
    /// last load and runtime errors ("file:line: message"); plus every file that does not compile.
    public func status() -> JSON {
        runtime.reloadIfDue()
        return HookStatus.render(runtime)
    }

    /// Runs the script's function, checks the result's shape; any failure gives the built-in.
    private func decide<Result>(
        _ entry: String, _ function: String, _ arguments: [JSON],
        shape: (JSON) throws(ShapeProblem) -> Result, builtin: () -> Result
    ) -> Result {
        guard case let .returned(value, line) = runtime.call(entry: entry, function: function, arguments: arguments) else {
            return builtin()
        }
        do {
            return try shape(value)
        } catch {
            runtime.reportMalformed(entry: entry, function: function, line: line, problem: error.description)
            return builtin()
        }
    }
}
