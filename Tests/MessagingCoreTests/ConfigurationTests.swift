import MessagingCore
import Testing

@Suite struct ConfigurationTests {
    let secret = String(repeating: "s", count: 40)

    @Test func defaultsApplyAndEnvironmentOverrides() throws {
        let config = try Configuration.load(path: nil, environment: ["MESSAGING_JWT_SECRET": secret, "MESSAGING_FCGI_WORKERS": "3"])
        #expect(config.fcgiWorkers == 3)
        #expect(config.fcgiThreads == 4)
        #expect(config.pushListen == "127.0.0.1:8090")
        #expect(config.fcgiSocketMode == 0o660)
        #expect(config.webURL == "http://127.0.0.1:8080/")
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

    @Test func aShortSecretIsRefused() {
        #expect(throws: Configuration.Invalid.self) { try Configuration.load(path: nil, environment: ["MESSAGING_JWT_SECRET": "short"]) }
    }
}
