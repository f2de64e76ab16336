import MessagingCore

/// Maps method + path to a handler. Literal segments win over parameters, so
/// `/api/messages/conversations` is never read as a conversation id.
struct Router {
    enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    struct Route {
        let method: String
        let segments: [Segment]
        /// The pattern as written, for logs and metrics ("POST /api/messages/:conversationId").
        let name: String
        let requiresAuthentication: Bool
        let handler: (Exchange) throws -> HTTPResponse
    }

    enum Match {
        case found(Route, [String: String])
        case methodNotAllowed([String])
        case notFound
    }

    private(set) var routes: [Route] = []

    mutating func add(_ method: String, _ pattern: String, authenticated: Bool = true, _ handler: @escaping (Exchange) throws -> HTTPResponse) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            part.hasPrefix(":") ? .parameter(String(part.dropFirst())) : .literal(String(part))
        }
        routes.append(Route(method: method, segments: segments, name: "\(method) \(pattern)", requiresAuthentication: authenticated, handler: handler))
    }

    func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var best: (route: Route, parameters: [String: String], literals: Int)?
        var allowed: [String] = []
        for route in routes where route.segments.count == parts.count {
            guard let (parameters, literals) = bind(route.segments, parts) else { continue }
            // HEAD is answered like GET would be, minus the body (nginx strips it).
            let methodMatches = route.method == method || (method == "HEAD" && route.method == "GET")
            if !methodMatches {
                allowed.append(route.method)
                continue
            }
            if best == nil || literals > best!.literals { best = (route, parameters, literals) }
        }
        if let best { return .found(best.route, best.parameters) }
        if !allowed.isEmpty { return .methodNotAllowed(Array(Set(allowed)).sorted()) }
        return .notFound
    }

    private func bind(_ segments: [Segment], _ parts: [String]) -> ([String: String], Int)? {
        var parameters: [String: String] = [:]
        var literals = 0
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case let .literal(text):
                guard text == part else { return nil }
                literals += 1
            case let .parameter(name):
                guard let decoded = percentDecode(part) else { return nil }
                parameters[name] = decoded
            }
        }
        return (parameters, literals)
    }
}
