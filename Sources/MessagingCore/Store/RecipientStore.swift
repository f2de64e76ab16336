import Postgres

/// What the push daemons read to fan an event out: each room's members (with mute) and details,
/// the recipients' unread counts, and who shares a conversation with whom.
public struct RecipientStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    public struct Room: Sendable {
        public let type: String
        public let name: String?
        /// user id -> muted
        public let members: [Int64: Bool]

        public init(type: String, name: String?, members: [Int64: Bool]) {
            self.type = type
            self.name = name
            self.members = members
        }
    }

    /// The rooms of `roomIds` that exist, in one query.
    public func rooms(_ roomIds: [Int64]) throws(PostgresError) -> [Int64: Room] {
        let result = try db.query("""
            SELECT r.id, r.type, r.name, m.user_id, m.muted
            FROM chat_rooms r LEFT JOIN chat_room_users m ON m.room_id = r.id
            WHERE r.id = ANY ($1::bigint[])
            """, [PostgresBigintArray(roomIds)])
        var loaded: [Int64: (type: String, name: String?, members: [Int64: Bool])] = [:]
        for row in 0..<result.rowCount {
            guard let id = result.int(row, 0) else { continue }
            var entry: (type: String, name: String?, members: [Int64: Bool])
            if let known = loaded[id] { entry = known } else { entry = (try result.required(row, 1), result.string(row, 2), [:]) }
            if let user = result.int(row, 3) { entry.members[user] = try result.requiredBool(row, 4) }
            loaded[id] = entry
        }
        return loaded.mapValues { Room(type: $0.type, name: $0.name, members: $0.members) }
    }

    /// Read fresh for every event, with the mute flag: a mute changes nothing others must
    /// see, so it writes no event and a cache of the room would not learn of it.
    public struct Unread: Sendable {
        public var total: Int64
        public var inConversation: Int64
        public var muted: Bool
        /// Whether this recipient blocked the event's actor (the sender, the reactor).
        public var blockedActor: Bool

        public init(total: Int64, inConversation: Int64, muted: Bool, blockedActor: Bool = false) {
            self.total = total
            self.inConversation = inConversation
            self.muted = muted
            self.blockedActor = blockedActor
        }
    }

    /// Per user: unread messages in total (kept in `chat_user_unread` by the write transactions,
    /// migration 0023) and in `roomId` (`last_seq - last_read_seq`, less the deleted messages after
    /// the marker), whether they muted `roomId`, and whether they blocked `actorId`. A few index
    /// probes per user, however many conversations they are in. Users without any membership are
    /// absent (looked for only when they are not in `roomId`: probing every recipient's memberships
    /// cost more than the rest of the query).
    public func unreadCounts(users: [Int64], roomId: Int64, actorId: Int64? = nil) throws(PostgresError) -> [Int64: Unread] {
        guard !users.isEmpty else { return [:] }
        let result = try db.query("""
            SELECT u.id, coalesce(t.total, 0),
                   coalesce(greatest(r.last_seq - m.last_read_seq - m.unread_deleted, 0), 0)::bigint,
                   coalesce(m.muted, false),
                   EXISTS (SELECT 1 FROM user_blocks k WHERE k.blocker_id = u.id AND k.blocked_id = $3)
            FROM unnest($1::bigint[]) AS u(id)
            LEFT JOIN chat_user_unread t ON t.user_id = u.id
            LEFT JOIN chat_room_users m ON m.room_id = $2 AND m.user_id = u.id
            LEFT JOIN chat_rooms r ON r.id = m.room_id
            WHERE m.user_id IS NOT NULL OR EXISTS (SELECT 1 FROM chat_room_users any_room WHERE any_room.user_id = u.id)
            """, [PostgresBigintArray(users), roomId, actorId])
        var counts: [Int64: Unread] = [:]
        for row in 0..<result.rowCount {
            guard let user = result.int(row, 0) else { continue }
            counts[user] = Unread(total: try result.required(row, 1), inConversation: try result.required(row, 2), muted: try result.requiredBool(row, 3),
                                  blockedActor: try result.requiredBool(row, 4))
        }
        return counts
    }

    /// Per subject, the users who share at least one conversation with them (each once), except
    /// those the subject blocked (they do not see the subject's presence).
    public func contacts(of subjects: [Int64]) throws(PostgresError) -> [Int64: [Int64]] {
        let result = try db.query("""
            SELECT DISTINCT a.user_id, b.user_id
            FROM chat_room_users a JOIN chat_room_users b ON b.room_id = a.room_id AND b.user_id <> a.user_id
            WHERE a.user_id = ANY ($1::bigint[])
              AND NOT EXISTS (SELECT 1 FROM user_blocks k WHERE k.blocker_id = a.user_id AND k.blocked_id = b.user_id)
            """, [PostgresBigintArray(subjects)])
        var contacts: [Int64: [Int64]] = [:]
        for row in 0..<result.rowCount {
            guard let subject = result.int(row, 0), let peer = result.int(row, 1) else { continue }
            contacts[subject, default: []].append(peer)
        }
        return contacts
    }
}
