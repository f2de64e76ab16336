import Hooks
import MessagingCore

/// `POST /api/h2ac/preview` (staff only): what the current `lua/notifications.lua` would decide for
/// a situation staff describe — the web version of `messaging-admin hooks run`.
enum HookPreviewHandlers {
    static func register(_ router: inout Router) {
        router.add("POST", "/api/h2ac/preview", preview)
    }

    static func preview(_ exchange: Exchange) throws -> HTTPResponse {
        try exchange.requireStaff()
        let preview = try HookPreviewInput(body: exchange.body(), maxContentCharacters: exchange.context.configuration.maxMessageCharacters)
        let hooks = exchange.context.hooks
        let before = NotificationScriptState(hooks.status())
        let decision = HookEvent(rawValue: preview.event).map { hooks.notification(for: $0, preview.input) } ?? .null
        let after = NotificationScriptState(hooks.status())
        // The engine falls back to the built-in default silently; the status tells that it did:
        // no usable script, a runtime error recorded by this very call, or the function
        // suspended for running past its limits (where the status lists suspensions).
        let failedNow = after.lastRuntimeErrorAt != nil && after.lastRuntimeErrorAt != before.lastRuntimeErrorAt
        let function = HookPreviewInput.hookFunctions[preview.event] ?? ""
        let suspended = after.suspended.contains("notifications." + function)
        let problem: String? = failedNow ? after.lastRuntimeError
            : suspended ? "notifications.lua: \(function) is suspended after running past its limits; the built-in default decides for now" : nil
        return .json(200, [
            "decision": decision,
            "usedBuiltin": .bool(after.usingBuiltinDefaults || failedNow || suspended),
            "scriptError": JSON(problem),
            "input": preview.input,
        ])
    }
}

/// The notifications script's entry in `HookEngine.status()`.
private struct NotificationScriptState {
    var usingBuiltinDefaults = true
    var lastRuntimeError: String?
    var lastRuntimeErrorAt: String?
    /// "script.function" of the hooks the thread does not call for now.
    var suspended: Set<String> = []

    init(_ status: JSON) {
        suspended = Set(status["suspended"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        guard let entry = status["scripts"]?.arrayValue?.first(where: { $0["file"]?.stringValue?.hasSuffix("notifications.lua") == true }) else {
            return
        }
        usingBuiltinDefaults = entry["usingBuiltinDefaults"]?.boolValue ?? true
        lastRuntimeError = entry["lastRuntimeError"]?.stringValue
        lastRuntimeErrorAt = entry["lastRuntimeErrorAt"]?.stringValue
    }
}
