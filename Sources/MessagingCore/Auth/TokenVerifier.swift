import Foundation
import JWTKit

/// What a verified token says: whose it is, until when it holds, and the profile and roles the
/// platform put in it (for first-sight provisioning and the staff check).
public struct VerifiedToken: Sendable, Equatable {
    public let subject: Subject
    /// The last moment (exp plus leeway) the token is accepted; nil when it has no `exp` and the
    /// configuration allows that.
    public let validUntil: Date?
    public let profile: ProfileClaims
    /// Known roles only (`Roles.known`); anything else in the claim is ignored.
    public let roles: Set<String>
    /// The signing-key generation it was verified under: a cached result holds only within it.
    public let keyGeneration: Int
    /// Signed by a key of the platform's JWKS (so its claims may create and update users), not
    /// by our own HS256 secret.
    public let fromPlatform: Bool

    public func isExpired(at now: Date) -> Bool { validUntil.map { now > $0 } ?? false }
}

/// Profile fields read from a token's claims (names configured: `claim_username`, ...).
public struct ProfileClaims: Sendable, Equatable, Hashable {
    public var username: String?
    public var displayName: String?
    public var avatar: String?

    public init(username: String? = nil, displayName: String? = nil, avatar: String? = nil) {
        self.username = username
        self.displayName = displayName
        self.avatar = avatar
    }
}

/// The rules a token must pass beyond its signature (configuration keys `jwt_*` and `claim_*`).
public struct TokenPolicy: Sendable {
    public var issuers: [String]
    public var audiences: [String]
    public var leewaySeconds: Int
    public var requireExpiry: Bool
    public var usernameClaim: String
    public var displayNameClaim: String
    public var avatarClaim: String
    /// Empty: roles never come from tokens.
    public var rolesClaim: String

    public init(configuration: Configuration) {
        issuers = configuration.jwtIssuers
        audiences = configuration.jwtAudiences
        leewaySeconds = configuration.jwtLeewaySeconds
        requireExpiry = configuration.jwtRequireExpiry
        usernameClaim = configuration.claimUsername
        displayNameClaim = configuration.claimDisplayName
        avatarClaim = configuration.claimAvatar
        rolesClaim = configuration.claimRoles
    }
}

/// Checks a bearer token completely, in this order: shape; the key its header names (`kid`);
/// that the header's `alg` is the one configured for that key (so `none` or an HS256 token
/// signed with an RSA public key never passes); the signature (jwt-kit); `exp` and `nbf` with
/// leeway; `iss`; `aud`; a `sub` in canonical form. Each failure is its own `TokenRejection`.
/// Blocking: call it from a plain thread (FastCGI workers, the daemon's auth queue).
public final class TokenVerifier: Sendable {
    public let keys: SigningKeys
    public let policy: TokenPolicy

    public init(keys: SigningKeys, policy: TokenPolicy) {
        self.keys = keys
        self.policy = policy
    }

    public func verify(_ token: String, now: Date = Date()) -> Result<VerifiedToken, TokenRejection> {
        let generation = keys.generation
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 16 * 1024, parts.count == 3,
              let header = TokenVerifier.decodeObject(parts[0]), let claims = TokenVerifier.decodeObject(parts[1]),
              let algorithm = header["alg"]?.stringValue
        else { return .failure(.malformed) }
        let kid = header["kid"]
        if let kid, kid.stringValue == nil { return .failure(.malformed) }
        guard let key = keys.key(kid: kid?.stringValue) else { return .failure(.unknownKey) }
        guard algorithm == key.algorithm else { return .failure(.wrongAlgorithm) }
        switch TokenVerifier.checkSignature(token, key: key) {
        case .success: break
        case let .failure(rejection): return .failure(rejection)
        }
        return checkClaims(claims, now: now, generation: generation, fromPlatform: key.isPlatform)
    }

    func checkClaims(_ claims: JSON, now: Date, generation: Int, fromPlatform: Bool) -> Result<VerifiedToken, TokenRejection> {
        let leeway = TimeInterval(policy.leewaySeconds)
        var validUntil: Date?
        if let exp = claims["exp"] {
            guard let seconds = TokenVerifier.numericDate(exp) else { return .failure(.malformed) }
            validUntil = Date(timeIntervalSince1970: seconds + leeway)
            if now > validUntil! { return .failure(.expired) }
        } else if policy.requireExpiry {
            return .failure(.missingExpiry)
        }
        if let nbf = claims["nbf"] {
            guard let seconds = TokenVerifier.numericDate(nbf) else { return .failure(.malformed) }
            if now.timeIntervalSince1970 + leeway < seconds { return .failure(.notYetValid) }
        }
        if !policy.issuers.isEmpty {
            guard let issuer = claims["iss"]?.stringValue, policy.issuers.contains(issuer) else { return .failure(.wrongIssuer) }
        }
        if !policy.audiences.isEmpty {
            let audiences: [String]
            switch claims["aud"] {
            case let .string(single)?: audiences = [single]
            case let .array(many)?: audiences = many.compactMap(\.stringValue)
            default: audiences = []
            }
            guard audiences.contains(where: policy.audiences.contains) else { return .failure(.wrongAudience) }
        }
        guard let sub = claims["sub"]?.stringValue, let subject = Subject(sub) else { return .failure(.invalidSubject) }
        return .success(VerifiedToken(
            subject: subject, validUntil: validUntil,
            profile: ProfileInput.fromClaims(ProfileClaims(
                username: TokenVerifier.claim(claims, policy.usernameClaim)?.stringValue,
                displayName: TokenVerifier.claim(claims, policy.displayNameClaim)?.stringValue,
                avatar: TokenVerifier.claim(claims, policy.avatarClaim)?.stringValue)),
            roles: Roles.from(claim: policy.rolesClaim.isEmpty ? nil : TokenVerifier.claim(claims, policy.rolesClaim)),
            keyGeneration: generation, fromPlatform: fromPlatform))
    }

    /// A claim by name; a dotted name walks nested objects (`realm_access.roles`).
    static func claim(_ claims: JSON, _ name: String) -> JSON? {
        if let direct = claims[name] { return direct }
        var current: JSON? = claims
        for part in name.split(separator: ".") { current = current?[String(part)] }
        return current
    }

    /// jwt-kit checks the signature against the one key chosen above; the payload type reads nothing.
    private static func checkSignature(_ token: String, key: SigningKeys.Key) -> Result<Void, TokenRejection> {
        do {
            _ = try blockingWait { try await key.collection.verify(token, as: SignatureOnly.self) }
            return .success(())
        } catch let error as JWTError where error.errorType == .malformedToken {
            return .failure(.malformed)
        } catch {
            return .failure(.badSignature)
        }
    }

    /// A JSON number of seconds (RFC 7519 NumericDate); anything else is not one.
    private static func numericDate(_ value: JSON) -> Double? {
        switch value {
        case let .int(seconds): Double(seconds)
        case let .double(seconds) where seconds.isFinite: seconds
        default: nil
        }
    }

    private static func decodeObject(_ segment: Substring) -> JSON? {
        guard segment.utf8.count <= 8 * 1024, let bytes = Base64URL.decode(String(segment)),
              let value = try? JSON.parse(bytes), value.objectValue != nil
        else { return nil }
        return value
    }
}

/// The payload as jwt-kit sees it: nothing decoded, nothing verified (claims are checked above).
private struct SignatureOnly: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
