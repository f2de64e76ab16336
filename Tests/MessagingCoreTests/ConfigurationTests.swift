import Foundation
import MessagingCore
import Testing

@Suite struct ConfigurationTests {
    let secret = String(repeating: "s", count: 40)

    @Test func defaultsApplyAndEnvironmentOverrides() throws {
        let config = try Configuration.load(path: nil, environment: ["MESSAGING_JWT_SECRET": secret, "MESSAGING_FCGI_WORKERS": "3"])
        #expect(config.fcgiWorkers == 3)
        #expect(config.fcgiThreads == 16)
        #expect(config.pushListen == "127.0.0.1:8090")
        #expect(config.fcgiSocketMode == 0o660)
        #expect(config.webURL == "http://127.0.0.1:8080/")
    }

    @Test func replicasAreConnectionStringsSeparatedBySemicolons() throws {
        let none = try Configuration.load(path: nil, environment: ["MESSAGING_JWT_SECRET": secret])
        #expect(none.databaseReplicas.isEmpty)
        #expect(none.replicaSettings(applicationName: "x").isEmpty)
        // A multi-host string holds commas and spaces: only ';' separates replicas.
        let two = try Configuration.load(path: nil, environment: [
            "MESSAGING_JWT_SECRET": secret,
            "MESSAGING_DATABASE_REPLICAS": " host=a,b port=1,2 dbname=m target_session_attrs=standby ;; host=c dbname=m ",
        ])
        #expect(two.databaseReplicas == ["host=a,b port=1,2 dbname=m target_session_attrs=standby", "host=c dbname=m"])
        #expect(two.replicaSettings(applicationName: "reads").map(\.applicationName) == ["reads", "reads"])
    }

    @Test(arguments: [
        ("MESSAGING_FCGI_WORKERS", "zero", "fcgi_workers"),
        ("MESSAGING_FCGI_WORKERS", "0", "fcgi_workers"),
        ("MESSAGING_PUSH_LISTEN", "localhost", "push_listen"),
        ("MESSAGING_FCGI_LISTEN", "/tmp/x.sock", "fcgi_listen"),
        ("MESSAGING_LOG_LEVEL", "loud", "log_level"),
        ("MESSAGING_TEST_ROUTES", "yes", "test_routes"),
        ("MESSAGING_METRICS_LISTEN", "9464", "metrics_listen"),
        ("MESSAGING_PUSH_METRICS_LISTEN", "on", "push_metrics_listen"),
        ("MESSAGING_WEB_URL", "chat.example.com", "web_url"),
        ("MESSAGING_WEB_URL", "ftp://chat.example.com/", "web_url"),
        ("MESSAGING_WEB_URL", "https://chat.example.com/#/", "web_url"),
        ("MESSAGING_JWKS", "http://platform.example/jwks.json", "jwks"),
        ("MESSAGING_JWKS", "relative/jwks.json", "jwks"),
        ("MESSAGING_PROVISION_USERS", "yes", "provision_users"),
        ("MESSAGING_JWT_REQUIRE_EXP", "no", "jwt_require_exp"),
        ("MESSAGING_JWT_LEEWAY_SECONDS", "-1", "jwt_leeway_seconds"),
        ("MESSAGING_CLAIM_USERNAME", "", "claim_username"),
        ("MESSAGING_REPLICA_MAX_LAG_MS", "-5", "replica_max_lag_ms"),
        ("MESSAGING_REPLICA_RETRY_SECONDS", "0", "replica_retry_seconds"),
    ])
    func badValuesNameTheirKey(_ variable: String, _ value: String, _ key: String) {
        do {
            _ = try Configuration.load(path: nil, environment: ["MESSAGING_JWT_SECRET": secret, variable: value])
            Issue.record("expected \(key) to be rejected")
        } catch let error as Configuration.Invalid {
            #expect(error.key == key)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// A file in a folder of the test's own, removed afterwards.
    func withFile(_ text: String, _ body: (String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("configuration-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("messaging.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try body(path)
    }

    @Test func aFileIsReadAndTheEnvironmentWins() throws {
        try withFile("# comment\n\njwt_secret = \(secret)\nfcgi_workers = 5\nfcgi_threads=2\n") { path in
            let config = try Configuration.load(path: path, environment: ["MESSAGING_FCGI_THREADS": "3"])
            #expect(config.fcgiWorkers == 5 && config.fcgiThreads == 3)
        }
    }

    @Test(arguments: [
        ("jwt_secret = x\nfcgi_workers 5\n", "line 2"),
        ("fcgi_wrokers = 5\n", "fcgi_wrokers"),
    ])
    func aBadLineOfTheFileIsNamed(_ text: String, _ key: String) throws {
        try withFile(text) { path in
            let error = #expect(throws: Configuration.Invalid.self) { try Configuration.load(path: path, environment: [:]) }
            #expect(error?.key == key && error?.description.contains(path) == true)
        }
    }

    @Test func aMissingFileIsRefused() {
        let error = #expect(throws: Configuration.Invalid.self) { try Configuration.load(path: "/nonexistent/messaging.conf", environment: [:]) }
        #expect(error?.problem == "cannot read file /nonexistent/messaging.conf")
    }

    @Test func anExplicitPathIsTheOneRead() {
        #expect(Configuration.locate(explicit: "/etc/messaging/messaging.conf") == "/etc/messaging/messaging.conf")
    }

    @Test(arguments: ["send=1/s", "send=0/s:5", "send=1/d:5", "send=1/s:0", "shout=1/s:5", "send"])
    func aRateLimitThatDoesNotParseIsShownWithTheActions(_ item: String) {
        guard case let .failure(error) = RateLimits.parse("read=5/s:10, \(item)") else {
            Issue.record("\(item) was accepted")
            return
        }
        #expect(error.key == "rate_limits" && error.problem.hasPrefix("'\(item)' is not action=count/unit:burst (actions: send, "))
    }

    @Test func aShortSecretIsRefused() {
        #expect(throws: Configuration.Invalid.self) { try Configuration.load(path: nil, environment: ["MESSAGING_JWT_SECRET": "short"]) }
    }

    @Test func thePlatformsKeysMayReplaceTheSecret() throws {
        #expect(throws: Configuration.Invalid.self) { try Configuration.load(path: nil, environment: [:]) }
        let config = try Configuration.load(path: nil, environment: [
            "MESSAGING_JWKS": "https://platform.example/.well-known/jwks.json", "MESSAGING_JWT_ISSUER": "https://platform.example, https://old.example",
            "MESSAGING_JWT_AUDIENCE": "mundo-messaging", "MESSAGING_PROVISION_USERS": "from_token"])
        #expect(config.jwtSecret.isEmpty && config.provisionFromToken)
        #expect(config.jwtIssuers == ["https://platform.example", "https://old.example"] && config.jwtAudiences == ["mundo-messaging"])
        #expect(try Configuration.load(path: nil, environment: ["MESSAGING_JWKS": "http://127.0.0.1:9000/jwks.json"]).jwks != nil)
        #expect(try Configuration.load(path: nil, environment: ["MESSAGING_JWKS": "/etc/messaging/jwks.json"]).jwks == .file("/etc/messaging/jwks.json"))
    }
}
