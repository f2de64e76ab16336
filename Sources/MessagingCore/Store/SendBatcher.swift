import Foundation
import Postgres

/// Group commit for sends, shared by the threads of one worker process. A send that arrives
/// while the process already has `maxConcurrentBatches` batches in flight waits, and the sends
/// that gathered meanwhile are then stored together, in one transaction by one thread
/// (`chat_send_messages`): one commit, one WAL flush and one round trip for all of them, where
/// one transaction per send made the commit path cap throughput (issue 6, BENCHMARKS.md).
/// An idle process sends at once, so a lone send waits for nothing.
///
/// Each send's rate-limit token is taken in the same transaction (issue 17): before, the check
/// was a transaction of its own, one more commit and WAL flush per send (22-29 % of the W1
/// ceiling, and one more durable write on W2's path).
///
/// Each send keeps its own answer: if the batch fails (one item's error rolls back the whole
/// transaction), its items are sent again one by one, each in its own transaction.
/// Whichever waiting thread finds a free slot leads the next batch on its own connection.
public final class SendBatcher: @unchecked Sendable {  // its queue and counters are guarded by its lock
    /// What became of one send.
    public enum Result {
        /// Stored (`created` false: a retry with the same clientMessageId found the original).
        /// `daemonsWoken`: its own transaction woke the push daemons, so the caller must not ask
        /// EventWakeup for another wake-up.
        case stored(message: JSON, created: Bool, daemonsWoken: Bool)
        /// Its sender's `send` bucket was empty: nothing stored.
        case rateLimited(RateDecision)
    }

    private typealias Outcome = Swift.Result<Result, PostgresError>

    private final class Item {
        let roomId: Int64
        let senderId: Int64
        let draft: MessageStore.Draft
        /// The sender's `send` policy (nil: not limited, e.g. exempt staff).
        let limit: RatePolicy?
        var outcome: Outcome?
        /// Stored alone with the NOTIFY in its transaction (EventWakeup.claimInline).
        var wakesDaemons = false

        init(roomId: Int64, senderId: Int64, draft: MessageStore.Draft, limit: RatePolicy?) {
            self.roomId = roomId
            self.senderId = senderId
            self.draft = draft
            self.limit = limit
        }
    }

    public let maxBatchSize: Int
    public let maxConcurrentBatches: Int
    private let condition = NSCondition()
    private var waiting: [Item] = []
    private var batchesInFlight = 0
    /// Called after each batch with its size and whether it had to be sent again one by one.
    private let observe: (_ size: Int, _ fellBack: Bool) -> Void
    /// Asked before a lone send whether its transaction should wake the daemons itself.
    private let wakeup: EventWakeup?

    public init(maxBatchSize: Int = 32, maxConcurrentBatches: Int = 1, wakeup: EventWakeup? = nil,
                observe: @escaping (_ size: Int, _ fellBack: Bool) -> Void = { _, _ in }) {
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxConcurrentBatches = max(1, maxConcurrentBatches)
        self.wakeup = wakeup
        self.observe = observe
    }

    /// Stores the message, possibly in a transaction with other sends, after taking a token of
    /// the sender's `send` bucket under `limit` (unless nil). `connection` is the calling
    /// thread's own; it is used only if this thread leads a batch.
    public func send(roomId: Int64, senderId: Int64, draft: MessageStore.Draft, limit: RatePolicy?,
                     connection: DatabaseConnection) throws(PostgresError) -> Result {
        let item = Item(roomId: roomId, senderId: senderId, draft: draft, limit: limit)
        if maxBatchSize == 1 {  // batching off: every send alone and at once, as many at a time as threads
            item.wakesDaemons = wakeup?.claimInline() ?? false
            return try SendBatcher.store([item], connection: connection).outcomes[0].get()
        }
        condition.lock()
        waiting.append(item)
        while item.outcome == nil {
            guard batchesInFlight < maxConcurrentBatches else {
                condition.wait()
                continue
            }
            batchesInFlight += 1
            let batch = Array(waiting.prefix(maxBatchSize))
            waiting.removeFirst(batch.count)
            // A lone send while nothing else waits: the process is idle, latency is what counts.
            if batch.count == 1 && waiting.isEmpty && batchesInFlight == 1 { batch[0].wakesDaemons = wakeup?.claimInline() ?? false }
            condition.unlock()
            let (outcomes, fellBack) = SendBatcher.store(batch, connection: connection)
            observe(batch.count, fellBack)
            condition.lock()
            for (done, outcome) in zip(batch, outcomes) { done.outcome = outcome }
            batchesInFlight -= 1
            condition.broadcast()
        }
        condition.unlock()
        return try item.outcome!.get()
    }

    /// Never throws: every item gets an outcome.
    private static func store(_ batch: [Item], connection: DatabaseConnection) -> (outcomes: [Outcome], fellBack: Bool) {
        do {
            return (try storeTogether(batch, connection: connection), false)
        } catch where error.isConnectionFailure || batch.count == 1 {
            // A broken connection: the batch may have committed before it broke, so sending its
            // items again could store them twice; each gets the failure (a 503), as a lone send would.
            return (batch.map { _ in .failure(error) }, false)
        } catch {
            // The server refused the batch and rolled it back: send the items one by one.
        }
        var outcomes: [Outcome] = []
        for item in batch {
            do throws(PostgresError) {
                outcomes.append(contentsOf: try storeTogether([item], connection: connection))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        return (outcomes, true)
    }

    private static func storeTogether(_ batch: [Item], connection: DatabaseConnection) throws(PostgresError) -> [Outcome] {
        let items: [JSON] = batch.enumerated().map { index, item in
            [
                "i": JSON(index),
                "room": .int(item.roomId),
                "sender": .int(item.senderId),
                "content": .string(item.draft.content),
                "mediaUrl": JSON(item.draft.mediaURL),
                "mediaType": JSON(item.draft.mediaType),
                "clientMessageId": JSON(item.draft.clientMessageId),
                "replyToId": JSON(item.draft.replyToId),
                "ratePerSecond": item.limit.map { .double($0.perSecond) } ?? .null,
                "rateBurst": item.limit.map { .int(Int64($0.burst)) } ?? .null,
            ]
        }
        let wakes = batch.count == 1 && batch[0].wakesDaemons
        // With the wake-up, the NOTIFY is queued in this transaction and delivered at its commit.
        let sql = "SELECT item, message, created, retry_after_ms, limit_burst, limit_per_second" + (wakes ? ", pg_notify('\(EventWakeup.channel)', '')" : "")
            + " FROM chat_send_messages($1::json)"
        let result = try connection.postgres.query(sql, [JSON.array(items).serialized])
        var outcomes = [Outcome](repeating: .failure(SendBatcher.missingResult), count: batch.count)
        for row in 0..<result.rowCount {
            guard let index = result.int(row, 0).map(Int.init), outcomes.indices.contains(index) else { continue }
            if let message = result.string(row, 1), let created = result.bool(row, 2) {
                outcomes[index] = .success(.stored(message: .raw(message), created: created, daemonsWoken: wakes))
            } else if let retryAfter = result.int(row, 3), let burst = result.int(row, 4), let perSecond = result.string(row, 5).flatMap(Double.init) {
                outcomes[index] = .success(.rateLimited(RateDecision(allowed: false, remaining: 0, retryAfterMilliseconds: retryAfter,
                                                                     policy: RatePolicy(perSecond: perSecond, burst: Int(burst)))))
            }
        }
        return outcomes
    }

    /// For an item the batch's result lacks, which chat_send_messages never does: a 500, not a retry.
    private static let missingResult = PostgresError(kind: .statement, sqlState: "XX000", serverMessage: "chat_send_messages returned no row for an item")
}
