import Foundation
import Logging
import MessagingCore

/// The REST API: routes, authentication, and the one place where errors become responses.
struct Application: Sendable {
    let router: Router

    init() {
        var router = Router()
        HealthHandlers.register(&router)
        ConversationHandlers.register(&router)
        MessageHandlers.register(&router)
        ReactionHandlers.register(&router)
        GroupHandlers.register(&router)
        MessageEditHandlers.register(&router)
        MemberStateHandlers.register(&router)
        SearchHandlers.register(&router)
        GuidanceHandlers.register(&router)
        HookPreviewHandlers.register(&router)
        PresenceHandlers.register(&router)
        DirectoryHandlers.register(&router)
        ServiceUserHandlers.register(&router)
        BlockHandlers.register(&router)
        ReportHandlers.register(&router)
        ModerationHandlers.register(&router)
        AuditHandlers.register(&router)
        RetentionHandlers.register(&router)
        self.router = router
    }

    struct Outcome {
        let response: HTTPResponse
        let routeName: String
        let userId: Int64?
    }

    func handle(_ request: HTTPRequest, context: WorkerContext) -> Outcome {
        var routeName = "unmatched"
        var userId: Int64?
        do {
            guard request.path.hasPrefix("/api/") else { throw APIError.routeNotFound }
            switch router.match(method: request.method, path: request.path) {
            case .notFound:
                throw APIError.routeNotFound
            case let .methodNotAllowed(allowed):
                throw APIError.methodNotAllowed(allowed: allowed)
            case let .found(route, parameters):
                routeName = route.name
                if request.bodyTooLarge { throw APIError.payloadTooLarge }
                if let key = request.invalidQueryKeys.first {
                    throw APIError.badRequest("invalid_query", "The query parameter '\(key)' is not valid percent-encoded UTF-8.")
                }
                var caller = Caller(userId: 0, roles: [])
                switch route.access {
                case .open:
                    break
                case .user:
                    caller = try context.authenticate(request.authorization)
                    userId = caller.userId
                    try RateLimitedRoutes.check(route: route.name, caller: caller, context: context)
                case let .service(scope):
                    try context.authenticateService(request.authorization, scope: scope)
                }
                let exchange = Exchange(request: request, parameters: parameters, userId: caller.userId, roles: caller.roles, context: context)
                return Outcome(response: try route.handler(exchange), routeName: routeName, userId: userId)
            }
        } catch let error as APIError {
            return Outcome(response: .error(error), routeName: routeName, userId: userId)
        } catch let error as DatabaseError {
            let mapped = APIError.from(error)
            context.metrics.postgresError(error, isDomainError: mapped != nil)
            if let mapped {
                return Outcome(response: .error(mapped), routeName: routeName, userId: userId)
            }
            context.logger.error("unexpected database error", metadata: [
                "request.id": "\(request.requestId)", "route": "\(routeName)",
                "db.sqlstate": "\(error.sqlState ?? "-")", "db.constraint": "\(error.constraint ?? "-")",
            ])
            return Outcome(response: .error(.internal), routeName: routeName, userId: userId)
        } catch {
            context.logger.error("unexpected error", metadata: ["request.id": "\(request.requestId)", "route": "\(routeName)", "error": "\(type(of: error))"])
            return Outcome(response: .error(.internal), routeName: routeName, userId: userId)
        }
    }
}
