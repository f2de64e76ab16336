import Logging
import MessagingCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The NIO server: HTTP/1.1 with a WebSocket upgrade on each accepted connection, then one
/// `WebSocketSession` per connection. One connection's error never reaches another.
final class PushServer {
    private let settings: PushSettings
    private let authenticator: UpgradeAuthenticator
    private let commands: CommandQueue
    private let logger: Logger
    let group: MultiThreadedEventLoopGroup
    let loops: LoopSessionsDirectory
    private var serverChannel: Channel?
    /// Receive buffers of client connections: 512 bytes at first, up to 64 KiB for a client that
    /// sends more. NIO keeps each connection's buffer between reads (two when a read grew it while
    /// the first was still held), so its first size is resident per idle connection: W4b through
    /// nginx, 2 x 8,000 connections, 5.92 KB each with NIO's 2,048; 4.93 (1,024), 4.40 (512: the
    /// upgrade request nginx forwards fits one read), 4.89 (256), 4.85 (128).
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)

    /// Whether this daemon's hooks failed recently (`hooks: degraded` on /ws/health).
    private let hooksDegraded: @Sendable () -> Bool

    /// `makeDecider` makes one H2AC decider per event loop, on that loop (`LoopHooks`).
    init(settings: PushSettings, authenticator: UpgradeAuthenticator, commands: CommandQueue, hooksDegraded: @escaping @Sendable () -> Bool,
         makeDecider: @escaping @Sendable () -> NotificationDecider?, logger: Logger) {
        self.hooksDegraded = hooksDegraded
        self.settings = settings
        self.authenticator = authenticator
        self.commands = commands
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: settings.eventLoopThreads)
        self.loops = LoopSessionsDirectory(group: group, makeDecider: makeDecider)
    }

    func start() throws {
        let sweepSeconds = max(1, min(5, settings.pingIntervalSeconds / 2))
        for loop in loops.all {
            loop.eventLoop.execute {
                loop.startSweeping(every: .seconds(Int64(sweepSeconds)))
                loop.hooks.prepare()
            }
        }
        let settings = self.settings
        let authenticator = self.authenticator
        let commands = self.commands
        let logger = self.logger
        let loops = self.loops
        let hooksDegraded = self.hooksDegraded
        let policy = SessionPolicy(settings: settings)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // tcpOption, not socketOption: at SOL_SOCKET, option 1 is SO_DEBUG, which needs
            // CAP_NET_ADMIN and so failed every connection of a daemon not running as root.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: settings.writeLowWaterMark, high: settings.writeHighWaterMark))
            // Clients send little (the upgrade, pongs, commands): a small first receive buffer.
            .childChannelOption(.recvAllocator, value: PushServer.receiveBuffers)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try PushServer.configure(channel: channel, settings: settings, policy: policy, authenticator: authenticator, commands: commands,
                                            loops: loops, hooksDegraded: hooksDegraded, logger: logger)
                }
            }
        let channel = try bootstrap.bind(host: settings.host, port: settings.port).wait()
        serverChannel = channel
        logger.info("push daemon listening", metadata: [
            "listen": "\(settings.host):\(settings.port)", "threads": "\(settings.eventLoopThreads)",
            "test_routes": "\(settings.configuration.testRoutes)",
        ])
    }

    private static func configure(channel: Channel, settings: PushSettings, policy: SessionPolicy, authenticator: UpgradeAuthenticator, commands: CommandQueue,
                                  loops: LoopSessionsDirectory, hooksDegraded: @escaping @Sendable () -> Bool, logger: Logger) throws {
        let decision = UpgradeDecision()
        let shouldUpgrade: @Sendable (Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?> = { channel, head in
            UpgradeRouting.decide(head: head, channel: channel, decision: decision, settings: settings, authenticator: authenticator)
        }
        let addSession: @Sendable (Channel, HTTPRequestHead) -> EventLoopFuture<Void> = { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                guard let mode = decision.mode else { throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget }
                let session = WebSocketSession(mode: mode, eventLoop: channel.eventLoop, policy: policy, commands: commands,
                                               loopSessions: loops.forLoop(channel.eventLoop), logger: logger,
                                               tokenExpiresAt: decision.tokenExpiresAt)
                try channel.pipeline.syncOperations.addHandler(session)
            }
        }
        let upgrader = PathSelectingUpgrader(
            push: NIOWebSocketServerUpgrader(maxFrameSize: settings.maxClientMessageBytes, automaticErrorHandling: true,
                                             shouldUpgrade: shouldUpgrade, upgradePipelineHandler: addSession),
            echo: NIOWebSocketServerUpgrader(maxFrameSize: settings.maxEchoMessageBytes, automaticErrorHandling: true,
                                             shouldUpgrade: shouldUpgrade, upgradePipelineHandler: addSession))
        let responder = RefusalResponder(decision: decision, hooksDegraded: hooksDegraded)
        // The completion handler runs on this channel's loop: the handler stays bound to it.
        let boundResponder = NIOLoopBound(responder, eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.syncOperations.removeHandler(boundResponder.value, promise: nil)
            }),
            withErrorHandling: true)
        try channel.pipeline.syncOperations.addHandler(responder)
    }

    /// Stops accepting; then closes every session with "going away".
    func stopAccepting() {
        try? serverChannel?.close().wait()
    }

    func closeAllSessions() {
        for loop in loops.all {
            try? loop.eventLoop.submit { loop.closeAll() }.wait()
        }
    }

    func shutdown() {
        try? group.syncShutdownGracefully()
    }
}
