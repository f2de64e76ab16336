import MessagingCore

extension WorkerContext {
    /// Service routes: a service token (never a user JWT) holding `scope`.
    func authenticateService(_ header: String?, scope: String) throws {
        guard let token = header?.bearerToken.map(String.init), !token.isEmpty else {
            throw APIError(401, "service_token_required", "A service token is required.", headers: [("WWW-Authenticate", "Bearer")])
        }
        guard ServiceTokenStore.looksLikeServiceToken(token) else {
            throw APIError(401, "service_token_required", "This endpoint takes a service token, not a user token.",
                           headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")])
        }
        let scopes: Set<String>?
        do {
            scopes = try ServiceTokenStore(try database()).scopes(of: token)
        } catch let error as PostgresError {
            metrics.postgresError(error, isDomainError: false)
            throw APIError.from(error) ?? APIError.databaseUnavailable
        }
        guard let scopes else {
            throw APIError(401, "invalid_service_token", "The service token is unknown or revoked.",
                           headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")])
        }
        guard ServiceTokenStore.grants(scopes, scope) else {
            throw APIError(403, "insufficient_scope", "The service token lacks the \(scope) scope.",
                           headers: [("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"\(scope)\"")])
        }
    }
}
