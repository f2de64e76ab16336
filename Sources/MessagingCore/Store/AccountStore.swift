import Foundation
import Postgres

/// Users as the platform defines them: found by `sub`, created or updated from claims or the
/// service API (`chat_upsert_user`, migration 0014), deactivated and reactivated.
public struct AccountStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// An integer sub reaches only users without an external id (so it never lands on a user the
    /// platform knows by another name); an external sub only its own user.
    public func find(_ subject: Subject) throws(PostgresError) -> Account? {
        switch subject {
        case let .userId(id):
            return try AccountStore.account(try db.query("\(AccountStore.columns) WHERE id = $1 AND external_id IS NULL", [id]))
        case let .external(text):
            return try AccountStore.account(try db.query("\(AccountStore.columns) WHERE external_id = $1", [text]))
        }
    }

    /// By our own id, whatever the sub (a session already admitted, checked again).
    public func find(id: Int64) throws(PostgresError) -> Account? {
        try AccountStore.account(try db.query("\(AccountStore.columns) WHERE id = $1", [id]))
    }

    private static let columns = """
        SELECT id, deactivated_at IS NOT NULL, array_to_string(roles, ','), username, display_name, avatar,
               extract(epoch FROM suspended_until)::float8::text FROM users
        """

    private static func account(_ result: PostgresResult) throws(PostgresError) -> Account? {
        guard result.rowCount == 1 else { return nil }
        return Account(
            id: try result.required(0, 0), deactivated: try result.requiredBool(0, 1),
            roles: Set(try result.required(0, 2, as: String.self).split(separator: ",").map(String.init)),
            profile: ProfileClaims(username: result.string(0, 3), displayName: result.string(0, 4), avatar: result.string(0, 5)),
            suspendedUntil: result.string(0, 6).flatMap(Double.init).map { Date(timeIntervalSince1970: $0) })
    }

    public struct Upserted: Sendable, Equatable {
        public let id: Int64
        public let created: Bool
        public let changed: Bool
        /// Synced too recently (`minimumIntervalSeconds`): nothing was compared.
        public let skipped: Bool
    }

    /// Creates or updates the user for `subject`. nil fields stay as they are; an empty avatar
    /// clears it; nil roles keep the stored ones. `minimumInterval` (seconds) skips a user synced
    /// more recently (token claims). Throws CHI09 when an integer sub names a user known by an
    /// external id.
    public func upsert(_ subject: Subject, profile: ProfileClaims, roles: Set<String>?, minimumIntervalSeconds: Int = 0) throws -> Upserted {
        let id: Int64?
        let external: String?
        switch subject {
        case let .userId(value): (id, external) = (value, nil)
        case let .external(value): (id, external) = (nil, value)
        }
        let result = try db.query(
            "SELECT user_id, created, changed FROM chat_upsert_user($1, $2, $3, $4, $5, $6::text[], make_interval(secs => $7))",
            [id, external, profile.username, profile.displayName, profile.avatar, roles.map(AccountStore.arrayLiteral), minimumIntervalSeconds])
        // `changed` is NULL when the user was synced too recently to compare.
        let changed = result.bool(0, 2)
        return Upserted(id: try result.required(0, 0), created: try result.requiredBool(0, 1), changed: changed ?? false, skipped: changed == nil)
    }

    /// Many users in one transaction (the platform's initial sync); results in input order.
    public func upsertMany(_ users: [(Subject, ProfileClaims, Set<String>?)]) throws -> [Upserted] {
        try db.transaction {
            var out: [Upserted] = []
            out.reserveCapacity(users.count)
            for (subject, profile, roles) in users { out.append(try upsert(subject, profile: profile, roles: roles)) }
            return out
        }
    }

    /// Deactivates or reactivates; false when the user already was so. CHU04 for an unknown id.
    public func setActive(_ id: Int64, active: Bool) throws(PostgresError) -> Bool {
        try db.query("SELECT chat_set_user_active($1, $2)", [id, active]).requiredBool(0, 0)
    }

    /// Wakes the push daemons for events just committed (user_updated, account_deactivated), for
    /// callers without a pool's `EventWakeup` (the CLI, a daemon); after the commit, never inside.
    public func wakePushDaemons() {
        _ = try? db.execute(script: "NOTIFY \(EventWakeup.channel)")
    }

    /// A user's profile with roles and state, for the service API and `messaging-admin user show`.
    public func adminJSON(id: Int64) throws(PostgresError) -> JSON? {
        try db.query("""
            SELECT json_build_object('id', u.id, 'externalId', u.external_id, 'username', u.username, 'displayName', u.display_name,
                                     'avatar', u.avatar, 'roles', to_json(u.roles), 'deactivated', u.deactivated_at IS NOT NULL,
                                     'suspendedUntil', CASE WHEN u.suspended_until > now() THEN u.suspended_until END)
            FROM users u WHERE u.id = $1
            """, [id]).string(0, 0).map { .raw($0) }
    }

    /// `{a,b}` with each element quoted (roles are plain words, checked by the caller and the column).
    static func arrayLiteral(_ values: Set<String>) -> String {
        "{" + values.sorted().map { "\"\($0)\"" }.joined(separator: ",") + "}"
    }
}
