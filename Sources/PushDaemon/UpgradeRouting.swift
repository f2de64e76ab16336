import Foundation
import MessagingCore
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// What one connection's upgrade request was decided to be. Created per connection by the
/// channel initializer, read and written only on the channel's event loop.
final class UpgradeDecision: @unchecked Sendable {
    enum Refusal {
        case badRequest(String)
        case notFound
    }

    var mode: WebSocketSession.Mode?
    var refusal: Refusal?
    /// When the access token expires (seconds since 1970); the stream is closed with 4002 then.
    var tokenExpiresAt: Double = .infinity
}

/// The request target split into path and its query (read as the REST API reads one).
struct RequestTarget {
    let path: String
    let query: QueryString

    init(_ uri: String) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts.first ?? "")
        query = QueryString(parts.count > 1 ? parts[1] : "")
    }
}

/// Routes: `/ws/notifications` (JWT from `Authorization: Bearer` or `?token=`, optional
/// `?since=<cursor>`) and, only with `test_routes = true`, `/ws/echo`. A missing or refused token
/// is accepted and closed at once with its close code (4001, 4002, 4003: a browser cannot read
/// the status of a failed upgrade); other refusals fall through to `RefusalResponder`, which
/// answers with a plain HTTP status.
enum UpgradeRouting {
    static let notificationsPath = "/ws/notifications"
    static let echoPath = "/ws/echo"

    static func decide(head: HTTPRequestHead, channel: Channel, decision: UpgradeDecision, settings: PushSettings,
                       authenticator: UpgradeAuthenticator) -> EventLoopFuture<HTTPHeaders?> {
        let target = RequestTarget(head.uri)
        switch target.path {
        case notificationsPath:
            if let key = target.query.invalidKeys.first {
                decision.refusal = .badRequest("The query parameter '\(key)' is not valid percent-encoded UTF-8.")
                return channel.eventLoop.makeSucceededFuture(nil)
            }
            var since: Int64?
            if let text = target.query["since"] {
                guard let value = Int64(text), value >= 0, String(value) == text else {
                    decision.refusal = .badRequest("since must be a non-negative integer cursor.")
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                since = value
            }
            let token = bearerToken(head.headers) ?? target.query["token"]
            let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
            authenticator.authenticate(token) { outcome in
                // The decision is written on the channel's loop, where the upgrader reads it.
                channel.eventLoop.execute {
                    switch outcome {
                    case let .accepted(userId, validUntil):
                        decision.mode = .push(userId: userId, since: since)
                        decision.tokenExpiresAt = validUntil?.timeIntervalSince1970 ?? .infinity
                    case let .refused(rejection):
                        decision.mode = .refused(closeCode: rejection.closeCode, reason: rejection.code)
                    case .unavailable:
                        decision.mode = .refused(closeCode: 1013, reason: "try again later")
                    }
                    promise.succeed(HTTPHeaders())
                }
            }
            return promise.futureResult
        case echoPath where settings.configuration.testRoutes:
            decision.mode = .echo
            return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
        default:
            decision.refusal = .notFound
            return channel.eventLoop.makeSucceededFuture(nil)
        }
    }

    static func bearerToken(_ headers: HTTPHeaders) -> String? {
        headers.first(name: "authorization")?.bearerToken.map(String.init)
    }
}

/// One WebSocket upgrader per route, chosen by path: the echo route accepts Autobahn's large
/// frames, the push stream keeps the 16 KiB limit. Frame handling is the same code for both.
final class PathSelectingUpgrader: HTTPServerProtocolUpgrader, @unchecked Sendable {
    let supportedProtocol = "websocket"
    let requiredUpgradeHeaders: [String] = []
    private let push: NIOWebSocketServerUpgrader
    private let echo: NIOWebSocketServerUpgrader

    init(push: NIOWebSocketServerUpgrader, echo: NIOWebSocketServerUpgrader) {
        self.push = push
        self.echo = echo
    }

    private func upgrader(for head: HTTPRequestHead) -> NIOWebSocketServerUpgrader {
        RequestTarget(head.uri).path == UpgradeRouting.echoPath ? echo : push
    }

    func buildUpgradeResponse(channel: Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        upgrader(for: upgradeRequest).buildUpgradeResponse(channel: channel, upgradeRequest: upgradeRequest, initialResponseHeaders: initialResponseHeaders)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        upgrader(for: upgradeRequest).upgrade(context: context, upgradeRequest: upgradeRequest)
    }
}

/// Answers every request that was not upgraded: 400 for a bad cursor, 426 for a plain GET of a
/// WebSocket route, 200 on `/ws/health` (with `hooks: ok` or `degraded`: this daemon's hooks
/// failed in the last minute and defaults decide), 404 otherwise. JSON
/// bodies in the REST API's error shape; the connection closes after the response.
final class RefusalResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let decision: UpgradeDecision
    private let hooksDegraded: @Sendable () -> Bool
    private var head: HTTPRequestHead?

    init(decision: UpgradeDecision, hooksDegraded: @escaping @Sendable () -> Bool) {
        self.decision = decision
        self.hooksDegraded = hooksDegraded
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A refused upgrade is reported as an error before the request arrives here: not fatal.
        if error is NIOWebSocketUpgradeError { return }
        context.close(promise: nil)
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let status: HTTPResponseStatus
        let body: String
        switch decision.refusal {
        case let .badRequest(message):
            status = .badRequest
            body = JSON.object([("error", .object([("code", "bad_request"), ("message", .string(message))]))]).serialized
        case .notFound:
            status = .notFound
            body = #"{"error":{"code":"not_found","message":"No such endpoint."}}"#
        case nil:
            let path = RequestTarget(head.uri).path
            if path == "/ws/health" {
                status = .ok
                body = hooksDegraded() ? #"{"status":"ok","hooks":"degraded"}"# : #"{"status":"ok","hooks":"ok"}"#
            } else if path == UpgradeRouting.notificationsPath || path == UpgradeRouting.echoPath {
                status = .upgradeRequired
                body = #"{"error":{"code":"upgrade_required","message":"This endpoint speaks WebSocket."}}"#
            } else {
                status = .notFound
                body = #"{"error":{"code":"not_found","message":"No such endpoint."}}"#
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        if status == .upgradeRequired { headers.add(name: "Upgrade", value: "websocket") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
