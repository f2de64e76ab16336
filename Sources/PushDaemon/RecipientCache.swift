import MessagingCore

/// Room -> members (with mute) and the room's type and name, for fan-out, typing checks and the
/// H2AC input. Filled in batches from `RecipientStore`; an entry is dropped when an event changes
/// the room's membership or details, and after `ttlSeconds` in any case (mute changes carry no event).
/// Owned by the listener thread.
final class RecipientCache {
    typealias Room = RecipientStore.Room

    private var rooms: [Int64: (room: Room, loadedAt: UInt64)] = [:]
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
    func prefetch(_ roomIds: [Int64], connection: DatabaseConnection) throws {
        let now = MonotonicClock.nanoseconds()
        var missing = Set<Int64>()
        for id in roomIds {
            if let entry = rooms[id], now &- entry.loadedAt < ttlNanoseconds { continue }
            missing.insert(id)
        }
        guard !missing.isEmpty else { return }
        if rooms.count + missing.count > maxRooms { rooms.removeAll(keepingCapacity: true) }
        let loaded = try RecipientStore(connection).rooms(Array(missing))
        for id in missing {
            if let room = loaded[id] {
                rooms[id] = (room, now)
            } else {
                rooms.removeValue(forKey: id)
            }
        }
    }

    /// The room, loading it if needed; nil for a room that does not exist.
    func room(_ roomId: Int64, connection: DatabaseConnection) throws -> Room? {
        try prefetch([roomId], connection: connection)
        return rooms[roomId]?.room
    }

    /// Only what is cached; call `prefetch` first.
    func cached(_ roomId: Int64) -> Room? {
        rooms[roomId]?.room
    }
}
