/// An error a client may see: a status, a stable snake_case code and a sentence for a person.
/// Anything else that goes wrong becomes `internal` (500) with details only in the log.
public struct APIError: Error, Equatable, Sendable {
    public let status: Int
    public let code: String
    public let message: String
    public var headers: [(String, String)] = []

    public init(_ status: Int, _ code: String, _ message: String, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.message == rhs.message
    }

    public var body: JSON { ["error": ["code": .string(code), "message": .string(message)]] }

    public static func badRequest(_ code: String, _ message: String) -> APIError { APIError(400, code, message) }
    public static func validation(_ message: String) -> APIError { APIError(400, "validation_failed", message) }
    public static let unauthorized = APIError(401, "unauthorized", "A valid bearer token is required.", headers: [("WWW-Authenticate", "Bearer")])
    public static let notParticipant = APIError(403, "forbidden", "You are not a participant of this conversation.")
    public static let conversationNotFound = APIError(404, "conversation_not_found", "No such conversation.")
    public static let messageNotFound = APIError(404, "message_not_found", "No such message.")
    public static let routeNotFound = APIError(404, "not_found", "No such endpoint.")
    public static let payloadTooLarge = APIError(413, "payload_too_large", "The request body is too large.")
    public static let unsupportedMediaType = APIError(415, "unsupported_media_type", "Send the body as application/json.")
    public static let databaseUnavailable = APIError(503, "database_unavailable", "The database is unavailable; try again shortly (a send retried with the same clientMessageId is stored once).", headers: [("Retry-After", "1")])
    public static let `internal` = APIError(500, "internal_error", "Something went wrong on our side.")

    public static func methodNotAllowed(allowed: [String]) -> APIError {
        APIError(405, "method_not_allowed", "This endpoint does not accept that method.", headers: [("Allow", allowed.joined(separator: ", "))])
    }
}
