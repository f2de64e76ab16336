import Foundation
import MessagingCore
import Testing

/// docs/configuration.md is generated from Configuration.keys; this keeps the two in step.
@Suite struct ConfigurationDocTests {
    @Test func referenceMatchesTheKeys() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        #expect(committed == Configuration.markdownReference(),
                "docs/configuration.md is stale: run `messaging-admin config --markdown > docs/configuration.md`")
    }

    @Test func metricsEndpointsCanBeTurnedOff() throws {
        let secret = String(repeating: "s", count: 40)
        let config = try Configuration.load(path: nil, environment: ["MESSAGING_JWT_SECRET": secret, "MESSAGING_METRICS_LISTEN": "off"])
        #expect(config.metricsListen == nil)
        #expect(config.pushMetricsListen == "127.0.0.1:9465")
    }
}
