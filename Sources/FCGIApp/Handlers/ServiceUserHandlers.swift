import MessagingCore

/// The service API for the platform's backend (a service token with the `users:write` scope,
/// or `users:read` for reading; never a user token): upsert one user, many at once, deactivate, reactivate, read. `:sub` is
/// the platform's user id, exactly as its tokens carry it in `sub`.
enum ServiceUserHandlers {
    static let scope = Router.Access.service(scope: "users:write")
    static let readScope = Router.Access.service(scope: "users:read")

    static func register(_ router: inout Router) {
        router.add("PUT", "/api/service/users/:sub", access: scope, upsert)
        router.add("GET", "/api/service/users/:sub", access: readScope, show)
        router.add("POST", "/api/service/users/bulk", access: scope, upsertMany)
        router.add("POST", "/api/service/users/:sub/deactivate", access: scope) { try setActive($0, false) }
        router.add("POST", "/api/service/users/:sub/reactivate", access: scope) { try setActive($0, true) }
    }

    static func upsert(_ exchange: Exchange) throws -> HTTPResponse {
        let subject = try pathSubject(exchange)
        let (profile, roles) = try fields(try exchange.body())
        let store = AccountStore(try exchange.db)
        let upserted: AccountStore.Upserted
        do {
            upserted = try store.upsert(subject, profile: profile, roles: roles)
        } catch let error as DatabaseError where error.sqlState == "CHI09" {
            throw idTaken
        }
        if upserted.changed { exchange.context.wakeup.poke() }
        return .json(upserted.created ? 201 : 200, ["user": try store.adminJSON(id: upserted.id) ?? .null])
    }

    static func show(_ exchange: Exchange) throws -> HTTPResponse {
        let store = AccountStore(try exchange.db)
        guard let account = try store.find(try pathSubject(exchange)), let user = try store.adminJSON(id: account.id) else { throw notFound }
        return .json(200, ["user": user])
    }

    /// `{"users": [{"sub", "username"?, "displayName"?, "avatar"?, "roles"?}, ...]}`: all or none,
    /// in one transaction; every entry is checked before any is stored.
    static func upsertMany(_ exchange: Exchange) throws -> HTTPResponse {
        let body = JSON.object(try exchange.body().fields)
        let entries: [(Subject, PlatformUserFields)]
        do {
            entries = try PlatformUserFields.list(body)
        } catch {
            throw APIError.validation(error.message)
        }
        let results: [AccountStore.Upserted]
        do {
            results = try AccountStore(try exchange.db).upsertMany(entries.map { ($0.0, $0.1.profile, $0.1.roles) })
        } catch let error as DatabaseError where error.sqlState == "CHI09" {
            throw idTaken
        }
        if results.contains(where: \.changed) { exchange.context.wakeup.poke() }
        return .json(200, ["results": .array(zip(entries, results).map { entry, result in
            ["sub": .string(entry.0.text), "id": .int(result.id), "created": .bool(result.created), "changed": .bool(result.changed)]
        })])
    }

    static func setActive(_ exchange: Exchange, _ active: Bool) throws -> HTTPResponse {
        let store = AccountStore(try exchange.db)
        guard let account = try store.find(try pathSubject(exchange)) else { throw notFound }
        let changed = try store.setActive(account.id, active: active)
        if changed { exchange.context.wakeup.poke() }
        return .json(200, ["user": try store.adminJSON(id: account.id) ?? .null, "changed": .bool(changed)])
    }

    private static func pathSubject(_ exchange: Exchange) throws -> Subject {
        guard let subject = Subject(exchange.pathText("sub")) else {
            throw APIError.badRequest("invalid_subject", "sub must be the platform's user id: a canonical positive integer, or another non-numeric id.")
        }
        return subject
    }

    /// username, displayName, avatar (null or "" clears it), roles (staff, moderator, admin).
    private static func fields(_ body: RequestBody) throws -> (ProfileClaims, Set<String>?) {
        do {
            let fields = try PlatformUserFields(object: body.fields)
            return (fields.profile, fields.roles)
        } catch {
            throw APIError.validation(error.message)
        }
    }

    private static let notFound = APIError(404, "not_found", "No user has this sub.")
    private static let idTaken = APIError(409, "id_taken", "This integer id belongs to a user the platform knows by another sub.")
}
