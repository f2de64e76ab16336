/// The kinds of `chat_events` rows, exactly as the SQL functions in `migrations/` write them
/// (a unit test compares this list with the SQL). The raw value is the stored `kind` and the push
/// frame's `type`.
public enum EventKind: String, CaseIterable, Sendable {
    case newMessage = "new_message"
    case messageEdited = "message_edited"
    case messageDeleted = "message_deleted"
    case messageRead = "message_read"
    case reactionAdded = "reaction_added"
    case reactionRemoved = "reaction_removed"
    case conversationCreated = "conversation_created"
    case conversationUpdated = "conversation_updated"
    case memberAdded = "member_added"
    case memberRemoved = "member_removed"
    case roleChanged = "role_changed"
    /// A user's profile changed; logged in room 0, its recipients listed with the event.
    case userUpdated = "user_updated"
    /// Ends the user's sessions; never sent as a frame.
    case accountDeactivated = "account_deactivated"
    /// A moderator suspended the account: ends the user's sessions (close 4004); never a frame.
    case accountSuspended = "account_suspended"

    /// Kinds that end a user's sessions and are never sent as frames.
    public var endsSessions: Bool { self == .accountDeactivated || self == .accountSuspended }

    /// Whether the event changes a room's members, their roles or the room's details, so that
    /// what a reader cached about the room is stale.
    public var changesRoom: Bool {
        switch self {
        case .conversationCreated, .conversationUpdated, .memberAdded, .memberRemoved, .roleChanged:
            true
        case .newMessage, .messageEdited, .messageDeleted, .messageRead, .reactionAdded, .reactionRemoved, .userUpdated,
             .accountDeactivated, .accountSuspended:
            false
        }
    }
}
