import Foundation
import JWTKit

/// The claims of an access token: `sub` is the user's id, `exp` is honoured.
struct AccessTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// A verified token: whose it is and until when it holds.
public struct AuthenticatedToken: Sendable, Equatable {
    public let userId: Int64
    public let expiresAt: Date
}

/// Signs and verifies HS256 access tokens with the configured shared secret (jwt-kit).
public final class TokenService: Sendable {
    private let keys: JWTKeyCollection

    public init(secret: String) async {
        keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// A blocking constructor for threads outside Swift concurrency (FastCGI workers, the CLI).
    public static func make(secret: String) -> TokenService {
        try! blockingWait { await TokenService(secret: secret) }  // the operation cannot throw
    }

    /// Any failure (malformed, forged, expired, a `sub` that is not an id) is nil: the caller answers 401.
    public func verify(_ token: String) async -> AuthenticatedToken? {
        guard let claims = try? await keys.verify(token, as: AccessTokenClaims.self),
              let userId = Int64(claims.sub.value), userId > 0
        else { return nil }
        return AuthenticatedToken(userId: userId, expiresAt: claims.exp.value)
    }

    public func verifyBlocking(_ token: String) -> AuthenticatedToken? {
        (try? blockingWait { await self.verify(token) }) ?? nil
    }

    public func sign(userId: Int64, ttlSeconds: Int) async throws -> String {
        let now = Date()
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: String(userId)),
            exp: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(ttlSeconds))),
            iat: IssuedAtClaim(value: now))
        return try await keys.sign(claims)
    }

    public func signBlocking(userId: Int64, ttlSeconds: Int) throws -> String {
        try blockingWait { try await self.sign(userId: userId, ttlSeconds: ttlSeconds) }
    }
}

/// Runs async work from a plain thread and waits for it. Only for threads that are not part of
/// Swift's cooperative pool (FastCGI worker threads, a CLI's main thread): there it cannot deadlock.
func blockingWait<T>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await operation()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
