import MessagingCore

/// An error a client may see: a status, a stable snake_case code and a sentence for a person.
/// Anything else that goes wrong becomes `internal` (500) with details only in the log.
struct APIError: Error, Sendable {
    let status: Int
    let code: String
    let message: String
    var headers: [(String, String)] = []

    init(_ status: Int, _ code: String, _ message: String, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    var body: JSON { ["error": ["code": .string(code), "message": .string(message)]] }

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(400, code, message) }
    static func validation(_ message: String) -> APIError { APIError(400, "validation_failed", message) }
    static let unauthorized = APIError(401, "unauthorized", "A valid bearer token is required.", headers: [("WWW-Authenticate", "Bearer")])
    static let notParticipant = APIError(403, "forbidden", "You are not a participant of this conversation.")
    static let conversationNotFound = APIError(404, "conversation_not_found", "No such conversation.")
    static let messageNotFound = APIError(404, "message_not_found", "No such message.")
    static let routeNotFound = APIError(404, "not_found", "No such endpoint.")
    static let payloadTooLarge = APIError(413, "payload_too_large", "The request body is too large.")
    static let unsupportedMediaType = APIError(415, "unsupported_media_type", "Send the body as application/json.")
    static let databaseUnavailable = APIError(503, "database_unavailable", "The database is unavailable; try again shortly (a send retried with the same clientMessageId is stored once).", headers: [("Retry-After", "1")])
    static let `internal` = APIError(500, "internal_error", "Something went wrong on our side.")

    static func methodNotAllowed(allowed: [String]) -> APIError {
        APIError(405, "method_not_allowed", "This endpoint does not accept that method.", headers: [("Allow", allowed.joined(separator: ", "))])
    }
}
