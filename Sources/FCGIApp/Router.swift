import MessagingCore

/// Maps method + path to a handler. Literal segments win over parameters, so
/// `/api/messages/conversations` is never read as a conversation id.
struct Router: Sendable {
    enum Segment: Equatable, Sendable {
        case literal(String)
        case parameter(String)
    }

    /// Who may call a route: anyone, a user with a bearer JWT, or the platform's backend with a
    /// service token holding the scope (never a user token).
    enum Access: Equatable {
        case open
        case user
        case service(scope: String)
    }

    struct Route: Sendable {
        let method: String
        let segments: [Segment]
        /// The pattern as written, for logs and metrics ("POST /api/messages/:conversationId").
        let name: String
        let access: Access
        let handler: @Sendable (Exchange) throws -> HTTPResponse
    }

    enum Match {
        case found(Route, [String: String])
        case methodNotAllowed([String])
        case notFound
    }

    private(set) var routes: [Route] = []

    mutating func add(_ method: String, _ pattern: String, authenticated: Bool = true, _ handler: @escaping @Sendable (Exchange) throws -> HTTPResponse) {
        add(method, pattern, access: authenticated ? .user : .open, handler)
    }

    mutating func add(_ method: String, _ pattern: String, access: Access, _ handler: @escaping @Sendable (Exchange) throws -> HTTPResponse) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            part.hasPrefix(":") ? .parameter(String(part.dropFirst())) : .literal(String(part))
        }
        routes.append(Route(method: method, segments: segments, name: "\(method) \(pattern)", access: access, handler: handler))
    }

    func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let bound = routes.filter { $0.segments.count == parts.count }.compactMap { route in
            bind(route.segments, parts).map { (route: route, parameters: $0.0, literals: $0.1) }
        }
        // Only the most specific pattern counts: `/api/messages/search` is never read as
        // `/api/messages/:id`, not even to answer 405 or fill `Allow`.
        guard let most = bound.map(\.literals).max() else { return .notFound }
        let specific = bound.filter { $0.literals == most }
        // HEAD is answered like GET would be, minus the body (nginx strips it).
        if let hit = specific.first(where: { $0.route.method == method || (method == "HEAD" && $0.route.method == "GET") }) {
            return .found(hit.route, hit.parameters)
        }
        return .methodNotAllowed(Array(Set(specific.map(\.route.method))).sorted())
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
                parameters[name] = PercentDecoding.decode(part, lossy: true)
            }
        }
        return (parameters, literals)
    }
}
