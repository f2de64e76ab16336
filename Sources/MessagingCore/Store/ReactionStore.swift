import Postgres

/// Emoji reactions on messages: one per user, message and emoji.
public struct ReactionStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    /// Adds the reaction; `created` is false when the caller had already reacted so.
    /// `reactions` is the message's summary as the caller now sees it.
    public func add(messageId: Int64, userId: Int64, emoji: String) throws(PostgresError) -> (created: Bool, reactions: JSON) {
        let result = try db.query("SELECT created, reactions FROM chat_add_reaction($1, $2, $3)", [messageId, userId, emoji])
        return (result.bool(0, 0)!, .raw(result.string(0, 1)!))
    }

    public func remove(messageId: Int64, userId: Int64, emoji: String) throws(PostgresError) {
        try db.query("SELECT chat_remove_reaction($1, $2, $3)", [messageId, userId, emoji])
    }
}
