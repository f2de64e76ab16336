import Foundation
import MessagingCore

extension TokenRejection {
    /// The REST answer to a refused token: a 401 with its code (the push daemon closes with
    /// `closeCode` instead). A suspension is a 403 with `Retry-After` (seconds until it ends): the
    /// token is valid and a fresh one would be refused the same, so a client must not sign out.
    var apiError: APIError {
        if case let .suspended(until) = self {
            let seconds = max(1, Int(until.timeIntervalSinceNow.rounded(.up)))
            return APIError(403, code, message, headers: [("Retry-After", String(seconds))])
        }
        return APIError(401, code, message, headers: [("WWW-Authenticate", self == .missing ? "Bearer" : "Bearer error=\"invalid_token\"")])
    }
}
