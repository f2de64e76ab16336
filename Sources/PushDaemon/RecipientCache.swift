import MessagingCore

/// Room -> members (with mute) and the room's type and name, for fan-out, typing checks and the
/// H2AC input. Filled in batches from `chat_room_users`; an entry is dropped when an event changes
/// the room's membership or details, and after `ttlSeconds` in any case (mute changes carry no event).
/// Owned by the listener thread.
final class RecipientCache {
    struct Room {
        let type: String
        let name: String?
        /// user id -> muted
        let members: [Int64: Bool]
        let loadedAt: UInt64
    }

    private var rooms: [Int64: Room] = [:]
    private let maxRooms: Int
    private let ttlNanoseconds: UInt64

    init(maxRooms: Int = 100_000, ttlSeconds: Int = 60) {
        self.maxRooms = maxRooms
        self.ttlNanoseconds = UInt64(ttlSeconds) * 1_000_000_000
    }

    func invalidate(_ roomId: Int64) {
        rooms.removeValue(forKey: roomId)
    }

    func invalidateAll() {
        rooms.removeAll()
    }

    /// Loads every room of `roomIds` that is missing or expired, in one query.
    func prefetch(_ roomIds: [Int64], connection: PostgresConnection) throws {
        let now = Clock.nanoseconds()
        var missing = Set<Int64>()
        for id in roomIds {
            if let room = rooms[id], now &- room.loadedAt < ttlNanoseconds { continue }
            missing.insert(id)
        }
        guard !missing.isEmpty else { return }
        if rooms.count + missing.count > maxRooms { rooms.removeAll(keepingCapacity: true) }
        let result = try connection.query("""
            SELECT r.id, r.type, r.name, m.user_id, m.muted
            FROM chat_rooms r LEFT JOIN chat_room_users m ON m.room_id = r.id
            WHERE r.id = ANY ($1::bigint[])
            """, [PostgresBigintArray(Array(missing))])
        var loaded: [Int64: (type: String, name: String?, members: [Int64: Bool])] = [:]
        for row in 0..<result.rowCount {
            guard let id = result.int(row, 0) else { continue }
            var entry = loaded[id] ?? (result.string(row, 1) ?? "group", result.string(row, 2), [:])
            if let user = result.int(row, 3) { entry.members[user] = result.bool(row, 4) ?? false }
            loaded[id] = entry
        }
        for id in missing {
            if let entry = loaded[id] {
                rooms[id] = Room(type: entry.type, name: entry.name, members: entry.members, loadedAt: now)
            } else {
                rooms.removeValue(forKey: id)
            }
        }
    }

    /// The room, loading it if needed; nil for a room that does not exist.
    func room(_ roomId: Int64, connection: PostgresConnection) throws -> Room? {
        try prefetch([roomId], connection: connection)
        return rooms[roomId]
    }

    /// Only what is cached; call `prefetch` first.
    func cached(_ roomId: Int64) -> Room? {
        rooms[roomId]
    }
}
