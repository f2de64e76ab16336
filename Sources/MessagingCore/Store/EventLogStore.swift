import Foundation
import Postgres

/// The event log's queries for the push daemons. Events are read in (txid, id) order and only
/// below the horizon `pg_snapshot_xmin(pg_current_snapshot())`: every transaction with a smaller
/// id has finished, so the set read is final and an event whose transaction commits late can never
/// be skipped. The client-facing cursor is the event id; a resume finds that event's txid.
public struct EventLogStore {
    let db: PostgresConnection
    public init(_ database: DatabaseConnection) { self.db = database.postgres }

    // Text renderings get their own names: an output column called `txid` would make
    // `ORDER BY txid` sort the text, not the xid8.
    private static let columns = "e.id, e.txid::text AS txid_text, e.room_id, e.kind, e.payload::text AS payload_text, e.extra_recipients::text AS extra_text, extract(epoch FROM e.created_at)::float8 AS created_epoch"

    /// Where a daemon starts: after the newest final event (history is for resuming clients).
    public func currentPosition() throws(PostgresError) -> LogPosition {
        let result = try db.query("""
            SELECT e.txid::text AS txid_text, e.id FROM chat_events e
            WHERE e.txid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY e.txid DESC, e.id DESC LIMIT 1
            """)
        guard result.rowCount == 1 else { return .start }
        return LogPosition(txid: try result.required(0, 0), id: try result.required(0, 1))
    }

    /// The next final events after `position`, and whether events exist that are not final yet
    /// (their transaction, or an older one anywhere in the cluster, is still running: the caller
    /// re-polls soon). One statement, so one snapshot and one round trip per wake-up, where two
    /// queries made every delivery wait for a second round trip. The check is a max(), which
    /// always takes the (txid, id) index's last entry: as `EXISTS (… txid >= horizon)` the planner
    /// guessed a third of the rows would match and scanned the whole growing table when none did.
    public func batch(after position: LogPosition, limit: Int) throws(PostgresError) -> (events: [LoggedEvent], moreBeyondHorizon: Bool) {
        let result = try db.query("""
            SELECT e.id, e.txid_text, e.room_id, e.kind, e.payload_text, e.extra_text, e.created_epoch, w.waiting
            FROM (SELECT coalesce((SELECT max(b.txid) FROM chat_events b) >= pg_snapshot_xmin(pg_current_snapshot()), false) AS waiting) w
            LEFT JOIN LATERAL (
                SELECT \(EventLogStore.columns), e.txid AS txid_order FROM chat_events e
                WHERE (e.txid, e.id) > ($1::xid8, $2::bigint) AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY e.txid, e.id LIMIT $3) e ON true
            ORDER BY e.txid_order, e.id
            """, [String(position.txid), position.id, limit])
        // Always at least one row: with no event, it carries only the flag.
        let waiting = try result.requiredBool(0, 7)
        let events = result.rowCount == 1 && result.int(0, 0) == nil ? [] : try EventLogStore.events(result)
        return (events, waiting)
    }

    public enum CursorLookup {
        case found(LogPosition)
        /// Unknown, purged or older than the retention window: the client must resync.
        case expired
    }

    public func lookup(cursor: Int64, retentionHours: Int) throws(PostgresError) -> CursorLookup {
        if cursor == 0 {
            // "Before everything": valid only while nothing was ever purged from the log.
            let result = try db.query("""
                SELECT coalesce(min(id), 1) = 1 AND coalesce(min(created_at) >= now() - make_interval(hours => $1::int), true)
                FROM chat_events
                """, [retentionHours])
            return result.bool(0, 0) == true ? .found(.start) : .expired
        }
        let result = try db.query("""
            SELECT e.txid::text AS txid_text, e.created_at >= now() - make_interval(hours => $2::int)
            FROM chat_events e WHERE e.id = $1
            """, [cursor, retentionHours])
        guard result.rowCount == 1, result.bool(0, 1) == true, let txid = result.string(0, 0).flatMap({ UInt64($0) }) else {
            return .expired
        }
        return .found(LogPosition(txid: txid, id: cursor))
    }

    /// A user's events in (after, upTo]: their rooms now, plus events naming them explicitly.
    public func replay(userId: Int64, after: LogPosition, upTo: LogPosition, limit: Int) throws(PostgresError) -> [LoggedEvent] {
        let result = try db.query("""
            SELECT \(EventLogStore.columns) FROM chat_events e
            WHERE (e.txid, e.id) > ($1::xid8, $2::bigint) AND (e.txid, e.id) <= ($3::xid8, $4::bigint)
              AND (e.room_id IN (SELECT m.room_id FROM chat_room_users m WHERE m.user_id = $5) OR $5 = ANY (e.extra_recipients))
            ORDER BY e.txid, e.id LIMIT $6
            """, [String(after.txid), after.id, String(upTo.txid), upTo.id, userId, limit])
        return try EventLogStore.events(result)
    }

    /// Deletes events older than the retention window, a bounded batch at a time; returns how many.
    public func purge(retentionHours: Int) throws(PostgresError) -> Int {
        let result = try db.query("SELECT chat_purge_events($1::int, 10000)", [retentionHours])
        return try result.required(0, 0)
    }

    private static func events(_ result: PostgresResult) throws(PostgresError) -> [LoggedEvent] {
        var events: [LoggedEvent] = []
        events.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            events.append(LoggedEvent(
                id: try result.required(row, 0),
                txid: try result.required(row, 1),
                roomId: try result.required(row, 2),
                kindName: try result.required(row, 3),
                payload: try result.required(row, 4),
                extraRecipients: parseBigintArray(result.string(row, 5)),
                createdAt: result.string(row, 6).flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }))
        }
        return events
    }

    /// Postgres text form of a bigint[]: "{1,2,3}".
    static func parseBigintArray(_ text: String?) -> [Int64] {
        guard let text, text.count > 2 else { return [] }
        return text.dropFirst().dropLast().split(separator: ",").compactMap { Int64($0) }
    }
}
