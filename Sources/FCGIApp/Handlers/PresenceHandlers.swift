import MessagingCore

/// Presence as the push daemons record it (`push_presence`, migration 0003): online while any
/// connection of the user is open on a live daemon.
enum PresenceHandlers {
    static func register(_ router: inout Router) {
        router.add("GET", "/api/users/:userId/presence", presence)
    }

    /// {"userId", "online", "lastSeenAt"}: for the caller and for users sharing a conversation
    /// with them; 404 otherwise (unknown and not visible look the same).
    static func presence(_ exchange: Exchange) throws -> HTTPResponse {
        let userId = try exchange.pathId("userId")
        guard let presence = try PresenceStore(exchange.db).presence(of: userId, viewer: exchange.userId) else {
            throw APIError(404, "user_not_found", "No such user.")
        }
        return .json(200, [
            "userId": .int(userId),
            "online": .bool(presence.online),
            "lastSeenAt": JSON(presence.lastSeenAt.map(isoTimestamp)),
        ])
    }

    /// Postgres text timestamptz ("2026-11-25 12:06:35.73+00") as ISO 8601, as json_build_object renders it.
    private static func isoTimestamp(_ text: String) -> String {
        text.replacingOccurrences(of: " ", with: "T") + (text.hasSuffix("+00") ? ":00" : "")
    }
}
