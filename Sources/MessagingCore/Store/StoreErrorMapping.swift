import Postgres

extension APIError {
    /// Translates what the database said into what a client may hear. The project's functions
    /// raise their own SQLSTATEs (see migrations/0002); anything unexpected is `nil`, which the
    /// caller logs and answers with a generic 500.
    public static func from(_ error: PostgresError) -> APIError? {
        if error.isConnectionFailure { return .databaseUnavailable }
        switch error.sqlState {
        case "CH403": return .notParticipant
        case "CH404": return .conversationNotFound
        case "CHM04": return .messageNotFound
        case "CHU04":
            return APIError(422, "unknown_user", "No user with id \(error.detail ?? "?").")
        case "CH409":
            return APIError(409, "client_message_id_conflict", "This clientMessageId was already used in another conversation.")
        case "CHSLF": return APIError(400, "cannot_message_self", "A direct conversation needs another participant.")
        case "CHR04": return APIError(404, "reaction_not_found", "You have not reacted with this emoji.")
        case "CHDEL": return APIError(409, "message_deleted", "The message was deleted.")
        case "CHRPL": return APIError(400, "invalid_reply", "replyToId must be a message of this conversation.")
        case "57014": return APIError(503, "timeout", "The request took too long; try again.", headers: [("Retry-After", "1")])
        default: return nil
        }
    }
}
