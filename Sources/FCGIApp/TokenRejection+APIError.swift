import MessagingCore

extension TokenRejection {
    /// The REST answer to a refused token: a 401 with its code (the push daemon closes with
    /// `closeCode` instead).
    var apiError: APIError {
        APIError(401, code, message, headers: [("WWW-Authenticate", self == .missing ? "Bearer" : "Bearer error=\"invalid_token\"")])
    }
}
