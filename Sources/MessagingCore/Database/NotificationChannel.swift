/// The LISTEN/NOTIFY channels of the messaging database. Payloads are small (ids or a few
/// fields); nothing is delivered through them that is not also stored, except typing.
public enum NotificationChannel: String, CaseIterable, Sendable {
    /// Wake-ups after events were committed (`EventWakeup`); the daemons then read the log.
    case events = "chat_events"
    /// Typing indicators between daemons: {"c": room, "u": user, "n": username, "t": on}.
    case typing = "chat_typing"
    /// Presence transitions from `chat_presence_update`: {"userId", "online", "lastSeenAt"}.
    case presence = "chat_presence"
    /// Account changes (the user id), for the processes' account caches.
    case accounts = "chat_accounts"
}
