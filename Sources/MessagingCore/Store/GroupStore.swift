import Postgres

/// Group administration: members, roles, name and avatar. Every change is an event.
public struct GroupStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Returns the ids actually added (existing members are skipped).
    public func addMembers(roomId: Int64, actorId: Int64, userIds: [Int64]) throws(PostgresError) -> [Int64] {
        let result = try db.query("SELECT unnest(chat_add_members($1, $2, $3::bigint[], $4))", [roomId, actorId, PostgresBigintArray(userIds), GroupLimits.members])
        return (0..<result.rowCount).compactMap { result.int($0, 0) }
    }

    /// An admin removing someone, or anyone leaving (actor == target).
    public func removeMember(roomId: Int64, actorId: Int64, userId: Int64) throws(PostgresError) {
        try db.query("SELECT chat_remove_member($1, $2, $3)", [roomId, actorId, userId])
    }

    /// Returns false when the member already had that role.
    public func setRole(roomId: Int64, actorId: Int64, userId: Int64, role: String) throws(PostgresError) -> Bool {
        try db.query("SELECT chat_set_role($1, $2, $3, $4)", [roomId, actorId, userId, role]).requiredBool(0, 0)
    }

    /// `name`/`avatar` nil leave the value as it is; `.some(nil)` for avatar clears it.
    public func update(roomId: Int64, actorId: Int64, name: String?, avatar: String??) throws(PostgresError) {
        try db.query("SELECT chat_update_group($1, $2, $3, $4, $5, $6)",
                     [roomId, actorId, name != nil, name, avatar != nil, avatar ?? nil])
    }
}
