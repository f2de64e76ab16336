import Postgres

/// Edits (with their history) and deletes (tombstones) of sent messages.
public struct MessageEditStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public func edit(messageId: Int64, actorId: Int64, content: String) throws(PostgresError) -> JSON {
        .raw(try db.query("SELECT chat_edit_message($1, $2, $3)", [messageId, actorId, content]).required(0, 0))
    }

    public func delete(messageId: Int64, actorId: Int64) throws(PostgresError) -> JSON {
        .raw(try db.query("SELECT chat_delete_message($1, $2)", [messageId, actorId]).required(0, 0))
    }

    public func versions(messageId: Int64, actorId: Int64) throws(PostgresError) -> JSON {
        .raw(try db.query("SELECT chat_message_history_json($1, $2)", [messageId, actorId]).required(0, 0))
    }
}
