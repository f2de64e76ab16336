import Foundation
import MessagingCore

extension TokenRejection {
    /// The REST answer to a refused token: a 401 with its code (the push daemon closes with
    /// `closeCode` instead). A suspension is a 401 too, like a deactivation (the client stops and
    /// says why), with `Retry-After`: the seconds until it ends.
    var apiError: APIError {
        var headers = [("WWW-Authenticate", self == .missing ? "Bearer" : "Bearer error=\"invalid_token\"")]
        if case let .suspended(until) = self {
            headers.append(("Retry-After", String(max(1, Int(until.timeIntervalSinceNow.rounded(.up))))))
        }
        return APIError(401, code, message, headers: headers)
    }
}
