import Foundation
import JWTKit
import Logging
@testable import MessagingCore
import Testing

/// Tokens checked against a real JWKS file: keys made and tokens signed with jwt-kit, then each
/// rule of TokenVerifier in turn, and a rotation of the file without a new verifier.
@Suite(.serialized) struct TokenVerifierTests {
    static let secret = String(repeating: "s", count: 40)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString)")

    struct PlatformKey {
        let kid: String
        let privateKey: ES256PrivateKey
        var jwk: JSON {
            let parameters = privateKey.parameters!
            return ["kty": "EC", "crv": "P-256", "kid": .string(kid), "alg": "ES256", "x": .string(parameters.x), "y": .string(parameters.y)]
        }

        init(kid: String) {
            self.kid = kid
            privateKey = ES256PrivateKey()
        }

        func sign(_ claims: JSON, header alg: String = "ES256", kid: String? = nil) async throws -> String {
            let keys = await JWTKeyCollection().add(ecdsa: privateKey, kid: JWKIdentifier(string: kid ?? self.kid))
            let token = try await keys.sign(RawClaims(json: claims), kid: JWKIdentifier(string: kid ?? self.kid))
            guard alg != "ES256" else { return token }
            // Rewrite the header's alg (the signature then covers another header: refused earlier anyway).
            let parts = token.split(separator: ".")
            let header = Base64URL.encode(Array(#"{"alg":"\#(alg)","kid":"\#(kid ?? self.kid)","typ":"JWT"}"#.utf8))
            return "\(header).\(parts[1]).\(parts[2])"
        }
    }

    struct RawClaims: JWTPayload {
        let json: JSON
        init(json: JSON) { self.json = json }
        init(from decoder: any Decoder) throws { json = .null }
        func encode(to encoder: any Encoder) throws { try EncodableJSON(value: json).encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A JSON value through Codable, so jwt-kit signs exactly these claims.
    struct EncodableJSON: Encodable {
        let value: JSON
        func encode(to encoder: any Encoder) throws {
            switch value {
            case let .object(pairs):
                var container = encoder.container(keyedBy: Key.self)
                for (key, item) in pairs { try container.encode(EncodableJSON(value: item), forKey: Key(key)) }
            case let .array(items):
                var container = encoder.unkeyedContainer()
                for item in items { try container.encode(EncodableJSON(value: item)) }
            case let .string(text):
                var container = encoder.singleValueContainer()
                try container.encode(text)
            case let .int(number):
                var container = encoder.singleValueContainer()
                try container.encode(number)
            case let .double(number):
                var container = encoder.singleValueContainer()
                try container.encode(number)
            case let .bool(flag):
                var container = encoder.singleValueContainer()
                try container.encode(flag)
            case .null, .raw:
                var container = encoder.singleValueContainer()
                try container.encodeNil()
            }
        }
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ value: String) { stringValue = value }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    func writeJWKS(_ keys: [PlatformKey]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let text = JSON.object([("keys", .array(keys.map(\.jwk)))]).serialized
        try text.write(to: directory.appendingPathComponent("jwks.json"), atomically: true, encoding: .utf8)
    }

    /// TokenVerifier blocks (FastCGI threads and the daemon's auth queue call it): tests call it
    /// from a dispatch thread, never from Swift's cooperative pool, where blocking could deadlock.
    func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    func verifier(issuers: [String] = ["https://platform.test"], audiences: [String] = ["messaging"], requireExpiry: Bool = true) async throws -> TokenVerifier {
        try await offPool { makeVerifier(issuers: issuers, audiences: audiences, requireExpiry: requireExpiry) }
    }

    func makeVerifier(issuers: [String], audiences: [String], requireExpiry: Bool) -> TokenVerifier {
        var values = Dictionary(uniqueKeysWithValues: Configuration.keys.map { ($0.key, $0.defaultValue) })
        values["jwt_secret"] = Self.secret
        values["jwks"] = directory.appendingPathComponent("jwks.json").path
        values["jwt_issuer"] = issuers.joined(separator: ",")
        values["jwt_audience"] = audiences.joined(separator: ",")
        values["jwt_leeway_seconds"] = "5"
        values["jwt_require_exp"] = requireExpiry ? "true" : "false"
        values["jwks_min_refresh_seconds"] = "0"
        let configuration = try! Configuration(values: values)
        return TokenVerifier(keys: SigningKeys(configuration: configuration, logger: Logger(label: "test")), policy: TokenPolicy(configuration: configuration))
    }

    func claims(sub: String = "42", exp: Double? = nil, extra: [(String, JSON)] = []) -> JSON {
        var pairs: [(String, JSON)] = [("sub", .string(sub)), ("iss", "https://platform.test"), ("aud", "messaging")]
        if let exp { pairs.append(("exp", .double(exp))) } else { pairs.append(("exp", .double(Date().timeIntervalSince1970 + 600))) }
        return .object(pairs + extra)
    }

    @Test func acceptsAPlatformTokenAndReadsItsClaims() async throws {
        let key = PlatformKey(kid: "k1")
        try writeJWKS([key])
        let token = try await key.sign(claims(sub: "user-7", extra: [("preferred_username", "José"), ("name", "José G"), ("roles", .array(["staff", "root"]))]))
        let verifier = try await verifier()
        let verified = try await offPool { try verifier.verify(token).get() }
        #expect(verified.subject == .external("user-7"))
        #expect(verified.profile.username == "José" && verified.profile.displayName == "José G")
        #expect(verified.roles == ["staff"])
        #expect(verified.fromPlatform)
    }

    @Test func eachRuleHasItsRejection() async throws {
        let key = PlatformKey(kid: "k1")
        try writeJWKS([key])
        let verifier = try await verifier()
        let now = Date().timeIntervalSince1970
        func rejection(_ token: String) async throws -> TokenRejection? {
            try await offPool {
                if case let .failure(reason) = verifier.verify(token) { return reason }
                return nil
            }
        }
        #expect(try await rejection(try await key.sign(claims(exp: now - 60))) == .expired)
        #expect(try await rejection(try await key.sign(claims(exp: now - 2))) == nil)  // within the leeway
        #expect(try await rejection(try await key.sign(claims(extra: [("nbf", .double(now + 60))]))) == .notYetValid)
        #expect(try await rejection(try await key.sign(.object([("sub", "1"), ("iss", "https://platform.test"), ("aud", "messaging")]))) == .missingExpiry)
        #expect(try await rejection(try await key.sign(claims(sub: "007"))) == .invalidSubject)
        #expect(try await rejection(try await key.sign(claims(sub: "+7"))) == .invalidSubject)
        #expect(try await rejection(try await key.sign(.object([("sub", "1"), ("iss", "other"), ("aud", "messaging"), ("exp", .double(now + 60))]))) == .wrongIssuer)
        #expect(try await rejection(try await key.sign(.object([("sub", "1"), ("iss", "https://platform.test"), ("aud", .array(["x", "y"])), ("exp", .double(now + 60))]))) == .wrongAudience)
        #expect(try await rejection(try await key.sign(claims(), kid: "unknown")) == .unknownKey)
        #expect(try await rejection(try await key.sign(claims(), header: "none")) == .wrongAlgorithm)
        #expect(try await rejection(try await key.sign(claims(), header: "HS256")) == .wrongAlgorithm)
        #expect(try await rejection(try await PlatformKey(kid: "k1").sign(claims())) == .badSignature)
        #expect(try await rejection("a.b") == .malformed)
        #expect(try await rejection("...") == .malformed)
    }

    @Test func expiryMayBeOptional() async throws {
        let key = PlatformKey(kid: "k1")
        try writeJWKS([key])
        let token = try await key.sign(.object([("sub", "1"), ("iss", "https://platform.test"), ("aud", "messaging")]))
        let verifier = try await verifier(requireExpiry: false)
        #expect(try await offPool { try verifier.verify(token).get() }.validUntil == nil)
    }

    @Test func rotationWithoutANewVerifier() async throws {
        let old = PlatformKey(kid: "old"), new = PlatformKey(kid: "new")
        try writeJWKS([old])
        let verifier = try await verifier()
        let oldToken = try await old.sign(claims()), newToken = try await new.sign(claims())
        let verify = { (token: String) in try await offPool { verifier.verify(token) } }
        #expect((try? await verify(oldToken).get()) != nil)
        #expect(try await verify(newToken) == .failure(.unknownKey))
        let generation = try await offPool { verifier.keys.generation }
        try writeJWKS([old, new])
        #expect((try? await verify(newToken).get()) != nil)  // an unknown kid reloads the file
        #expect((try? await verify(oldToken).get()) != nil)
        #expect(try await offPool { verifier.keys.generation } > generation)
        try await Task.sleep(for: .milliseconds(1100))  // the file is looked at once a second at most
        try writeJWKS([new])
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: directory.appendingPathComponent("jwks.json").path)
        #expect(try await verify(oldToken) == .failure(.unknownKey))
        #expect(verifier.keys.kids == ["new"])
    }

    @Test func ourOwnHS256TokensHaveNoKid() async throws {
        try writeJWKS([])
        var values = Dictionary(uniqueKeysWithValues: Configuration.keys.map { ($0.key, $0.defaultValue) })
        values["jwt_secret"] = Self.secret
        let configuration = try Configuration(values: values)
        let verified = try await offPool {
            let token = try TokenSigner(configuration: configuration).sign(userId: 9, ttlSeconds: 60)
            return try TokenVerifier(keys: SigningKeys(configuration: configuration, logger: Logger(label: "test")),
                                     policy: TokenPolicy(configuration: configuration)).verify(token).get()
        }
        #expect(verified.subject == .userId(9) && !verified.fromPlatform)
    }
}

@Suite struct SubjectTests {
    @Test(arguments: ["1", "42", "9223372036854775807"])
    func canonicalIntegersAreOurIds(_ text: String) {
        #expect(Subject(text) == .userId(Int64(text)!))
    }

    @Test(arguments: ["0", "007", "+7", "-7", "7.0", "1e3", " 7", "7 ", "", "9223372036854775808", "99999999999999999999"])
    func numberLikeTextIsRefused(_ text: String) {
        #expect(Subject(text) == nil)
    }

    @Test(arguments: ["auth0|5f1b", "user-7", "a1", "google-oauth2|123"])
    func otherTextIsAnExternalId(_ text: String) {
        #expect(Subject(text) == .external(text))
    }

    @Test func controlCharactersAndOverlongAreRefused() {
        #expect(Subject("a\u{0}b") == nil)
        #expect(Subject(String(repeating: "x", count: 256)) == nil)
    }
}

@Suite struct DirectoryCursorTests {
    @Test func roundTripsWithAnyKey() {
        let cursor = DirectoryCursor(kind: 2, key: "田中|太郎", userId: 7)
        #expect(DirectoryCursor(encoded: cursor.encoded) == cursor)
    }

    @Test(arguments: ["", "bm9wZQ", Base64URL.encode(Array("3|1|x".utf8)), Base64URL.encode(Array("1|0|x".utf8))])
    func rejectsForeignText(_ text: String) {
        #expect(DirectoryCursor(encoded: text) == nil)
    }
}

@Suite struct RolesTests {
    @Test func onlyKnownRolesFromArraysOrStrings() {
        #expect(Roles.from(claim: .array(["staff", "root", .int(3)])) == ["staff"])
        #expect(Roles.from(claim: "moderator staff") == ["moderator", "staff"])
        #expect(Roles.from(claim: "admin,superuser") == ["admin"])
        #expect(Roles.from(claim: nil) == [])
    }

    @Test func staffPolicyTakesTheRole() {
        #expect(StaffPolicy(staffUserIds: []).isStaff(userId: 1, roles: ["staff"]))
        #expect(!StaffPolicy(staffUserIds: []).isStaff(userId: 1, roles: ["moderator"]))
    }
}
