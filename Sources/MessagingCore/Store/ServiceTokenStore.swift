import Crypto
import Foundation
import Postgres

/// Credentials of the platform's backend for the service API. A token is `mts_` and 32 random
/// bytes (base64url), shown once at creation; only its SHA-256 is stored, so a database dump
/// holds nothing that authenticates.
public struct ServiceTokenStore {
    /// `users:write` may use every service route; `users:read` only the reading ones.
    public static let scopes: Set<String> = ["users:read", "users:write"]
    static let prefix = "mts_"

    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Creates a named token with these scopes and returns it (the only time it is visible).
    public func create(name: String, scopes: Set<String>) throws(PostgresError) -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let token = ServiceTokenStore.prefix + Base64URL.encode(bytes)
        _ = try db.query("INSERT INTO service_tokens (name, token_sha256, scopes) VALUES ($1, decode($2, 'hex'), $3::text[])",
                         [name, ServiceTokenStore.digestHex(token), AccountStore.arrayLiteral(scopes)])
        return token
    }

    /// The scopes of a live token; nil for an unknown or revoked one.
    public func scopes(of token: String) throws(PostgresError) -> Set<String>? {
        guard token.hasPrefix(ServiceTokenStore.prefix), token.utf8.count < 200 else { return nil }
        let result = try db.query("SELECT array_to_string(scopes, ',') FROM service_tokens WHERE token_sha256 = decode($1, 'hex') AND revoked_at IS NULL",
                                  [ServiceTokenStore.digestHex(token)])
        guard result.rowCount == 1 else { return nil }
        return Set(try result.required(0, 0, as: String.self).split(separator: ",").map(String.init))
    }

    /// True when a live token of that name was revoked.
    public func revoke(name: String) throws(PostgresError) -> Bool {
        try db.query("UPDATE service_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL", [name]).affectedRows == 1
    }

    public func list() throws(PostgresError) -> [(name: String, scopes: String, createdAt: String, revoked: Bool)] {
        let result = try db.query("SELECT name, array_to_string(scopes, ' '), created_at::text, revoked_at IS NOT NULL FROM service_tokens ORDER BY id")
        return try (0..<result.rowCount).map { row throws(PostgresError) in
            (try result.required(row, 0), try result.required(row, 1), try result.required(row, 2), try result.requiredBool(row, 3))
        }
    }

    /// Whether tokens holding `held` may use a route needing `wanted` (users:write includes users:read).
    public static func grants(_ held: Set<String>, _ wanted: String) -> Bool {
        held.contains(wanted) || (wanted == "users:read" && held.contains("users:write"))
    }

    /// A token looks like a service token (so a user JWT on a service route is told what is wrong).
    public static func looksLikeServiceToken(_ token: String) -> Bool { token.hasPrefix(prefix) }

    static func digestHex(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
