import Foundation
import MessagingCore
import NIOCore

/// The daemon's tunables: the shared configuration plus timing and size limits. The operator's
/// ones are `push_*` configuration keys (docs/configuration.md; `MESSAGING_PUSH_*` environment
/// variables override them like any key, which is how tests shorten the timeouts).
struct PushSettings: Sendable {
    var configuration: Configuration
    var host: String
    var port: Int
    /// Identifies this daemon's rows in `push_presence`: stable across restarts of the same
    /// daemon, so a restarted daemon replaces its own stale rows.
    var daemonId: String
    /// Largest frame and message a client may send on the push stream (RFC 6455 payload bytes).
    var maxClientMessageBytes = 16 * 1024
    /// The echo route (test configurations only) accepts what Autobahn sends (up to 16 MiB).
    var maxEchoMessageBytes = 16 * 1024 * 1024
    /// A protocol ping after this long without inbound traffic.
    var pingIntervalSeconds = 30
    /// A connection with no inbound traffic (not even a pong) for this long is closed.
    var idleTimeoutSeconds = 75
    /// Outbound water marks per connection: above `high` the channel turns unwritable.
    var writeLowWaterMark = 32 * 1024
    var writeHighWaterMark = 128 * 1024
    /// A reader that keeps its connection unwritable this long is disconnected...
    var slowReaderGraceSeconds = 10
    /// ...and at once when this many bytes wait in the daemon's outbound buffer.
    var maxBufferedBytes = 2 * 1024 * 1024
    /// Events read from the log per query.
    var batchSize = 500
    /// A resume that would replay more than this gets `resync_required` instead.
    var maxReplayEvents = 2000
    var maxReplayBytes = 2 * 1024 * 1024
    /// Poll the log at least this often, NOTIFY or not (a writer killed between commit and NOTIFY).
    var pollIntervalMilliseconds = 1000
    /// Typing indicators expire after this long without a refresh.
    var typingTimeoutSeconds = 5.0
    /// Pending commands from the event loops to the listener thread.
    var commandQueueCapacity = 65_536
    /// How often expired events are purged (`event_retention_hours`).
    var purgeIntervalSeconds = 600
    var presenceHeartbeatSeconds = 10
    /// A user's sessions on this daemon; admitting one more closes their oldest (4008).
    var maxConnectionsPerUser = 20
    var eventLoopThreads = System.coreCount

    init(configuration: Configuration) throws {
        self.configuration = configuration
        guard let (host, port) = Configuration.hostPort(configuration.pushListen) else {
            throw Configuration.Invalid(key: "push_listen", problem: "expected host:port")
        }
        self.host = host
        self.port = port
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let limits = configuration.push
        daemonId = limits.daemonId.isEmpty ? "\(String(cString: name)):\(port)" : limits.daemonId
        pingIntervalSeconds = limits.pingSeconds
        idleTimeoutSeconds = limits.idleTimeoutSeconds
        slowReaderGraceSeconds = limits.slowReaderGraceSeconds
        maxBufferedBytes = limits.maxBufferedBytes
        pollIntervalMilliseconds = limits.pollIntervalMilliseconds
        if limits.threads > 0 { eventLoopThreads = limits.threads }
        maxReplayEvents = limits.maxReplayEvents
        purgeIntervalSeconds = limits.purgeIntervalSeconds
        maxConnectionsPerUser = limits.maxConnectionsPerUser
        if idleTimeoutSeconds <= pingIntervalSeconds { idleTimeoutSeconds = pingIntervalSeconds * 2 + 1 }
    }

    var retentionHours: Int { configuration.eventRetentionHours }
}
