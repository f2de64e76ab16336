import Foundation
import JWTKit
@testable import MessagingCore
import Testing

/// What the platform's JWKS document and its source may be: the keys a server can verify with are
/// kept (a missing alg inferred from the curve), every other entry skipped and counted, and a
/// source that cannot be read says why without its content.
@Suite struct JWKSDocumentTests {
    /// SigningKeys.parse blocks on jwt-kit: called from a dispatch thread, never Swift's pool.
    func parsed(_ document: JSON) async -> Result<([String: SigningKeys.Key], Int), JWKSReadError> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: SigningKeys.parse(jwks: document.serialized)) }
        }
    }

    func ec(_ kid: String, curve: String, x: String, y: String) -> JSON {
        ["kid": .string(kid), "kty": "EC", "crv": .string(curve), "x": .string(x), "y": .string(y)]
    }

    @Test func keysWithoutAlgGetTheirCurvesAndTheRestIsSkipped() async throws {
        let p256 = ES256PrivateKey().parameters!, p384 = ES384PrivateKey().parameters!, p521 = ES512PrivateKey().parameters!
        let document: JSON = ["keys": [
            ec("p256", curve: "P-256", x: p256.x, y: p256.y),
            ec("p384", curve: "P-384", x: p384.x, y: p384.y),
            ec("p521", curve: "P-521", x: p521.x, y: p521.y),
            ["kty": "EC", "crv": "P-256", "x": .string(p256.x), "y": .string(p256.y)],  // no kid
            ["kid": "enc", "use": "enc", "kty": "EC", "crv": "P-256", "x": .string(p256.x), "y": .string(p256.y)],
            ["kid": "secret", "kty": "oct", "k": "c2VjcmV0"],  // a shared secret: never from a platform
            ["kid": "hs", "kty": "oct", "alg": "HS256", "k": "c2VjcmV0"],
            ec("broken", curve: "P-256", x: "AAAA", y: "AAAA"),
        ]]
        guard case let .success((keys, skipped)) = await parsed(document) else {
            Issue.record("the document was refused")
            return
        }
        #expect(keys.mapValues(\.algorithm) == ["p256": "ES256", "p384": "ES384", "p521": "ES512"])
        #expect(keys.values.allSatisfy { $0.isPlatform })
        #expect(skipped == 5)
    }

    @Test(arguments: [JSON.array([]), ["keys": "none"], ["kid": "a"]])
    func aDocumentWithoutAKeysArrayIsRefused(_ document: JSON) async {
        guard case let .failure(error) = await parsed(document) else {
            Issue.record("accepted \(document.serialized)")
            return
        }
        #expect(error.reason == "not a JSON object with a keys array")
    }

    func reason(_ source: JWKSSource) -> String? {
        if case let .failure(error) = source.read() { return error.reason }
        return nil
    }

    @Test func aFileThatCannotBeUsedSaysWhy() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(reason(.file(folder.path + "/missing.json")) == "cannot read the file")
        let large = folder.appendingPathComponent("large.json")
        try Data(repeating: 0x20, count: JWKSSource.maxBytes + 1).write(to: large)
        #expect(reason(.file(large.path)) == "the file is larger than 1 MiB")
        let latin1 = folder.appendingPathComponent("latin1.json")
        try Data([0x7B, 0xE9, 0x7D]).write(to: latin1)
        #expect(reason(.file(latin1.path)) == "the file is not UTF-8")
        let good = folder.appendingPathComponent("jwks.json")
        try Data(#"{"keys":[]}"#.utf8).write(to: good)
        #expect(try JWKSSource.file(good.path).read().get() == #"{"keys":[]}"#)
    }

    @Test func anUnreachableURLIsAFailedFetch() {
        #expect(reason(.url(URL(string: "http://127.0.0.1:1/jwks.json")!))?.hasPrefix("fetch failed: ") == true)
    }
}
