import Foundation
import JWTKit
import Logging

/// The keys tokens may be signed with: our own HS256 secret (tokens without `kid`) and the
/// platform's JWKS (by `kid`), each with the one algorithm a token must name for it. Shared by a
/// process's threads. The JWKS is re-read when its file changes (checked at most once a second,
/// on use) or, for a URL, every `refreshSeconds` by a thread of its own (so no request waits on
/// the platform for a routine refresh); a token naming an unknown `kid` triggers one extra
/// reload, at most once per `minRefreshSeconds`, so a rotated-in key works at once and a flood of
/// made-up kids cannot hammer the platform. A failed reload keeps the keys already loaded.
public final class SigningKeys: @unchecked Sendable {  // the key set and reload times are guarded by its lock
    public struct Key: Sendable {
        public let algorithm: String
        /// From the platform's JWKS (not our own secret): only such tokens provision users.
        public let isPlatform: Bool
        let collection: JWTKeyCollection
    }

    /// Algorithms jwt-kit verifies for a JWKS key; HS256 is only ever our own secret.
    static let jwksAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]

    private let source: JWKSSource?
    private let refreshSeconds: Double
    private let minRefreshSeconds: Double
    private let logger: Logger
    private let hmac: Key?
    private let lock = NSLock()
    private let reloading = NSLock()
    private var byKid: [String: Key] = [:]
    private var loadedText: String?
    private var fileDate: Date?
    private var lastStatAt = -Double.infinity
    private var lastForcedAt = -Double.infinity
    private var generationValue = 0

    public init(secret: String, jwks: JWKSSource?, refreshSeconds: Int, minRefreshSeconds: Int, logger: Logger) {
        self.source = jwks
        self.refreshSeconds = Double(refreshSeconds)
        self.minRefreshSeconds = Double(minRefreshSeconds)
        self.logger = logger
        if secret.isEmpty {
            hmac = nil
        } else {
            let collection = try! blockingWait {  // adding an HMAC key cannot fail
                await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            }
            hmac = Key(algorithm: "HS256", isPlatform: false, collection: collection)
        }
        if jwks != nil { reload(reason: "start") }
        if case .url? = jwks { startRefreshing() }
    }

    /// A URL's periodic refresh; ends with the key set.
    private func startRefreshing() {
        let interval = refreshSeconds
        let thread = Thread { [weak self] in
            while true {
                Thread.sleep(forTimeInterval: interval)
                guard let self else { return }
                self.reload(reason: "refresh")
            }
        }
        thread.name = "jwks-refresh"
        thread.start()
    }

    public convenience init(configuration: Configuration, logger: Logger) {
        self.init(secret: configuration.jwtSecret, jwks: configuration.jwks, refreshSeconds: configuration.jwksRefreshSeconds,
                  minRefreshSeconds: configuration.jwksMinRefreshSeconds, logger: logger)
    }

    /// Changes whenever the set of keys changes: a cached verification is valid only within one.
    public var generation: Int {
        reloadIfDue()
        lock.lock()
        defer { lock.unlock() }
        return generationValue
    }

    public var kids: [String] {
        lock.lock()
        defer { lock.unlock() }
        return byKid.keys.sorted()
    }

    /// The key for a token's `kid` (none: our HS256 secret, or the JWKS's only key). An unknown
    /// kid reloads the JWKS once (rate-limited) before giving up.
    func key(kid: String?) -> Key? {
        reloadIfDue()
        if let found = lookup(kid) { return found }
        guard kid != nil, source != nil else { return nil }
        let now = MonotonicTime.seconds()
        lock.lock()
        let allowed = now - lastForcedAt >= minRefreshSeconds
        if allowed { lastForcedAt = now }
        lock.unlock()
        guard allowed else { return nil }
        reload(reason: "unknown kid")
        return lookup(kid)
    }

    private func lookup(_ kid: String?) -> Key? {
        lock.lock()
        defer { lock.unlock() }
        guard let kid else { return hmac ?? (byKid.count == 1 ? byKid.values.first : nil) }
        return byKid[kid]
    }

    /// A JWKS file is looked at (its modification time) at most once a second, on use.
    private func reloadIfDue() {
        guard let source, case .file = source else { return }
        let now = MonotonicTime.seconds()
        lock.lock()
        let statDue = now - lastStatAt >= 1
        if statDue { lastStatAt = now }
        let knownDate = fileDate
        lock.unlock()
        if statDue, let date = source.modificationDate(), date != knownDate { reload(reason: "file changed") }
    }

    /// Reads and installs the JWKS. One reload at a time; a thread finding one in progress keeps
    /// the current keys rather than waiting on the network.
    private func reload(reason: String) {
        guard let source else { return }
        guard reloading.try() else { return }
        defer { reloading.unlock() }
        let date = source.modificationDate()
        let text: String
        switch source.read() {
        case let .success(read):
            text = read
        case let .failure(error):
            logger.warning("cannot load the JWKS; keeping the keys already loaded", metadata: ["jwks.reason": "\(error.reason)", "trigger": "\(reason)"])
            return
        }
        lock.lock()
        let unchanged = text == loadedText
        fileDate = date
        lock.unlock()
        if unchanged { return }
        switch SigningKeys.parse(jwks: text) {
        case let .success((keys, skipped)):
            lock.lock()
            byKid = keys
            loadedText = text
            generationValue += 1
            lock.unlock()
            logger.info("JWKS loaded", metadata: ["jwks.keys": "\(keys.count)", "jwks.skipped": "\(skipped)", "trigger": "\(reason)"])
        case let .failure(error):
            logger.warning("the JWKS is not valid; keeping the keys already loaded", metadata: ["jwks.reason": "\(error.reason)", "trigger": "\(reason)"])
        }
    }

    /// Keys by kid from a JWKS document. A key without `kid`, meant for encryption (`use: enc`),
    /// or with an algorithm jwt-kit cannot verify is skipped and counted. A missing `alg` is
    /// inferred where the key type leaves one choice worth assuming (EC curve, Ed25519, RSA → RS256).
    static func parse(jwks text: String) -> Result<([String: Key], Int), JWKSReadError> {
        guard let document = try? JSON.parse(text), let entries = document["keys"]?.arrayValue else {
            return .failure(.init(reason: "not a JSON object with a keys array"))
        }
        var keys: [String: Key] = [:]
        var skipped = 0
        for entry in entries {
            guard case var .object(fields) = entry, let kid = entry["kid"]?.stringValue, !kid.isEmpty,
                  entry["use"]?.stringValue ?? "sig" == "sig",
                  let algorithm = entry["alg"]?.stringValue ?? inferredAlgorithm(entry), jwksAlgorithms.contains(algorithm)
            else {
                skipped += 1
                continue
            }
            if entry["alg"] == nil { fields.append(("alg", .string(algorithm))) }
            do {
                let jwk = try JSONDecoder().decode(JWK.self, from: Data(JSON.object(fields).serialized.utf8))
                let collection = try blockingWait { try await JWTKeyCollection().add(jwk: jwk) }
                keys[kid] = Key(algorithm: algorithm, isPlatform: true, collection: collection)
            } catch {
                skipped += 1
            }
        }
        return .success((keys, skipped))
    }

    private static func inferredAlgorithm(_ entry: JSON) -> String? {
        switch (entry["kty"]?.stringValue, entry["crv"]?.stringValue) {
        case ("EC", "P-256"): "ES256"
        case ("EC", "P-384"): "ES384"
        case ("EC", "P-521"): "ES512"
        case ("OKP", "Ed25519"): "EdDSA"
        case ("RSA", _): "RS256"
        default: nil
        }
    }
}

/// Seconds on a clock that never jumps (rate limits and refresh intervals).
enum MonotonicTime {
    static func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
