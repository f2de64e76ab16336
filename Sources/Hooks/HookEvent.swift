import JSON

/// The push events that have an H2AC notification hook. The raw value is the event's name in the
/// hook input (`event`) and in the example files.
public enum HookEvent: String, CaseIterable, Sendable {
    case newMessage = "new_message"
    case reactionAdded = "reaction_added"
    case messageRead = "message_read"

    /// The script function that decides, and the built-in default used when it cannot.
    var hook: (function: String, builtin: (JSON) -> JSON) {
        switch self {
        case .newMessage: ("on_message", BuiltinHooks.messageNotification)
        case .reactionAdded: ("on_reaction", BuiltinHooks.reactionNotification)
        case .messageRead: ("on_read", BuiltinHooks.readReceiptNotification)
        }
    }

    /// "new_message, reaction_added, message_read", for help and error texts.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
