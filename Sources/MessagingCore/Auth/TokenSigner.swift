import Foundation
import JWTKit

/// Signs HS256 access tokens with our own secret (`messaging-admin token`, tests): `sub` is the
/// user id, with `exp`, `iat`, and the configured issuer and audience so they pass our own checks.
public final class TokenSigner: Sendable {
    private let keys: JWTKeyCollection
    private let issuer: String?
    private let audience: String?

    public init(configuration: Configuration) throws {
        guard !configuration.jwtSecret.isEmpty else {
            throw Configuration.Invalid(key: "jwt_secret", problem: "is empty: this server signs no tokens of its own (the platform's JWKS does)")
        }
        let secret = configuration.jwtSecret
        keys = try blockingWait { await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256) }
        issuer = configuration.jwtIssuers.first
        audience = configuration.jwtAudiences.first
    }

    public func sign(userId: Int64, ttlSeconds: Int) throws -> String {
        let now = Date()
        let claims = SignedClaims(sub: SubjectClaim(value: String(userId)),
                                  exp: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(ttlSeconds))),
                                  iat: IssuedAtClaim(value: now),
                                  iss: issuer.map { IssuerClaim(value: $0) },
                                  aud: audience.map { AudienceClaim(value: [$0]) })
        let keys = self.keys
        return try blockingWait { try await keys.sign(claims) }
    }
}

private struct SignedClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var iss: IssuerClaim?
    var aud: AudienceClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Runs async work from a plain thread and waits for it. Only for threads that are not part of
/// Swift's cooperative pool (FastCGI worker threads, a CLI's main thread, dispatch queues): there
/// it cannot deadlock.
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

private final class ResultBox<T>: @unchecked Sendable {  // written by the task before the semaphore is signalled, read after the wait
    var result: Result<T, Error>?
}
