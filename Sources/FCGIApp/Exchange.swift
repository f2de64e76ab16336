import MessagingCore

/// One request being answered: the request, its route parameters, the caller and the thread's
/// resources. Handlers read their inputs through the throwing accessors here, so every bad
/// input becomes the same kind of JSON error.
struct Exchange {
    let request: HTTPRequest
    let parameters: [String: String]
    /// The authenticated caller; 0 on routes that do not require authentication.
    let userId: Int64
    /// The caller's verified roles (stored ones plus the token's); empty on open and service routes.
    let roles: Set<String>
    let context: WorkerContext

    var db: DatabaseConnection {
        get throws { try context.database() }
    }

    /// Runs a read on a read replica that has caught up, or on the primary (WorkerContext.read).
    func read<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        try context.read(body)
    }

    /// A numeric id from the path: plain digits, no sign, no leading zeros; anything else is a
    /// 400, never a 500 (and never another id: `+1` and `001` are not user 1).
    func pathId(_ name: String) throws -> Int64 {
        guard let text = parameters[name], let id = Int64(text), id > 0, String(id) == text else {
            throw APIError.badRequest("invalid_id", "\(name) must be a positive integer.")
        }
        return id
    }

    /// Staff-only routes call this first: anyone else gets a 403 that names no staff.
    func requireStaff() throws {
        guard StaffPolicy(staffUserIds: context.configuration.staffUserIds).isStaff(userId: userId, roles: roles) else {
            throw APIError(403, "staff_only", "Only product staff may use this.")
        }
    }

    /// Moderation routes require `moderator`, the audit log `admin` (Roles): anyone else gets a 403.
    func requireRole(_ role: String) throws {
        guard roles.contains(role) else { throw APIError(403, "\(role)_only", "Only a \(role) may use this.") }
    }

    func pathText(_ name: String) -> String { parameters[name] ?? "" }

    /// An id-valued paging parameter (`?cursor=`, `?before=`) as this server returns it: absent
    /// or empty is nil, anything but a plain positive integer a 400.
    func queryId(_ name: String) throws -> Int64? {
        guard let text = request.query[name], !text.isEmpty else { return nil }
        guard let id = Int64(text), id > 0, String(id) == text else {
            throw APIError.badRequest("invalid_cursor", "\(name) is not one this server returned.")
        }
        return id
    }

    /// The JSON object body. An empty body is an empty object when `optional`.
    func body(optional: Bool = false) throws -> RequestBody {
        if request.body.isEmpty {
            if optional { return RequestBody(fields: []) }
            throw APIError.badRequest("invalid_json", "A JSON object body is required.")
        }
        let type = (request.contentType ?? "").split(separator: ";").first.map { $0.trimmingOptionalWhitespace.lowercased() } ?? ""
        guard type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) else {
            throw APIError.unsupportedMediaType
        }
        let parsed: JSON
        do {
            parsed = try JSON.parse(request.body)
        } catch {
            throw APIError.badRequest("invalid_json", "The body is not valid JSON: \(error.message) at byte \(error.offset).")
        }
        guard let fields = parsed.objectValue else {
            throw APIError.badRequest("invalid_json", "The body must be a JSON object.")
        }
        return RequestBody(fields: fields)
    }

    /// `?limit=` within 1...max, `fallback` when absent.
    func limit(fallback: Int, max: Int) throws -> Int {
        guard let text = request.query["limit"] else { return fallback }
        guard let value = Int(text), (1...max).contains(value) else {
            throw APIError.badRequest("invalid_limit", "limit must be an integer from 1 to \(max).")
        }
        return value
    }
}
