import Postgres

/// The platform's users as mirrored here (id, username, display name, avatar).
public struct UserStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Creates a user and returns its id: `id` when given (the platform's own id), else the next one.
    public func create(id: Int64? = nil, username: String, displayName: String, avatar: String?) throws(PostgresError) -> Int64 {
        let result = try db.query(
            "INSERT INTO users (id, username, display_name, avatar) VALUES (COALESCE($4::bigint, nextval('users_id_seq')), $1, $2, $3) RETURNING id",
            [username, displayName, avatar, id])
        return try result.required(0, 0)
    }

    public func json(id: Int64) throws(PostgresError) -> JSON? {
        try db.query("SELECT chat_user_json(u) FROM users u WHERE u.id = $1", [id]).string(0, 0).map { .raw($0) }
    }

    /// The user's username; nil for an unknown user.
    public func username(id: Int64) throws(PostgresError) -> String? {
        let result = try db.query("SELECT username FROM users WHERE id = $1", [id])
        return result.rowCount == 1 ? result.string(0, 0) : nil
    }
}
