import MessagingCore

extension APIError {
    /// Translates what the database said into what a client may hear. The project's functions
    /// raise their own SQLSTATEs (see migrations/0002); anything unexpected is `nil`, which the
    /// caller logs and answers with a generic 500.
    static func from(_ error: DatabaseError) -> APIError? {
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
        case "CHADM": return APIError(403, "admin_required", "Only the group's admins may do this.")
        case "CHGRP": return APIError(400, "not_a_group", "Direct conversations have no members to manage.")
        case "CHLAD": return APIError(409, "last_admin", "A group needs an admin: promote someone else first.")
        case "CHSND": return APIError(403, "not_sender", "Only the sender (or a group admin, for deletes) may change this message.")
        case "CHMEM": return APIError(404, "member_not_found", "That user is not a member of this group.")
        case "CHEMP": return APIError(400, "validation_failed", "content must not be empty unless media is attached.")
        case "CHFUL": return APIError(409, "group_full", "A group holds at most \(GroupLimits.members) members.")
        case "CHBLK": return APIError(403, "blocked", "You cannot send messages to this person.")
        case "CHBSF": return APIError(400, "cannot_block_self", "You cannot block yourself.")
        case "CHRSF": return APIError(400, "cannot_report_own", "You cannot report your own message.")
        case "CHRP4": return APIError(404, "report_not_found", "No such report (of this message or user).")
        case "CHRPC": return APIError(409, "report_resolved", "This report was already resolved.")
        case "CHRMV": return APIError(409, "already_removed", "This message was already removed by moderation.")
        case "CHMOD": return APIError(403, "cannot_suspend_moderator", "Moderators and admins cannot be suspended by a moderator.")
        case "CHNSP": return APIError(404, "not_suspended", "This user is not suspended.")
        case "57014": return APIError(503, "timeout", "The request took too long; try again.", headers: [("Retry-After", "1")])
        default:
            // Class 22 (data exception): a value from the request Postgres cannot take, such as a
            // tampered cursor's timestamp or a number out of range.
            if error.sqlState?.hasPrefix("22") == true {
                return APIError(400, "invalid_parameter", "A parameter of the request is not valid.")
            }
            return nil
        }
    }
}
