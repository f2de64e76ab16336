import Foundation
import Postgres

/// Group commit for sends, shared by the threads of one worker process. A send that arrives
/// while the process already has `maxConcurrentBatches` batches in flight waits, and the sends
/// that gathered meanwhile are then stored together, in one transaction by one thread
/// (`chat_send_messages`): one commit, one WAL flush and one round trip for all of them, where
/// one transaction per send made the commit path cap throughput (issue 6, BENCHMARKS.md).
/// An idle process sends at once, so a lone send waits for nothing.
///
/// Each send keeps its own answer: if the batch fails (one item's error rolls back the whole
/// transaction), its items are sent again one by one, each in its own transaction.
/// Whichever waiting thread finds a free slot leads the next batch on its own connection.
public final class SendBatcher: @unchecked Sendable {  // its queue and counters are guarded by its lock
    public typealias Outcome = Result<(message: JSON, created: Bool), PostgresError>
    /// A stored send, and whether its own transaction woke the push daemons (then the caller
    /// must not ask EventWakeup for another wake-up).
    public typealias Sent = (message: JSON, created: Bool, daemonsWoken: Bool)

    private final class Item {
        let roomId: Int64
        let senderId: Int64
        let draft: MessageStore.Draft
        var outcome: Outcome?
        /// Stored alone with the NOTIFY in its transaction (EventWakeup.claimInline).
        var wakesDaemons = false

        init(roomId: Int64, senderId: Int64, draft: MessageStore.Draft) {
            self.roomId = roomId
            self.senderId = senderId
            self.draft = draft
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

    /// Stores the message (as `MessageStore.send`), possibly in a transaction with other sends.
    /// `connection` is the calling thread's own; it is used only if this thread leads a batch.
    public func send(roomId: Int64, senderId: Int64, draft: MessageStore.Draft, connection: DatabaseConnection) throws(PostgresError) -> Sent {
        if maxBatchSize == 1 {  // batching off: every send alone and at once, as many at a time as threads
            let wakes = wakeup?.claimInline() ?? false
            let (message, created) = try MessageStore(connection).send(roomId: roomId, senderId: senderId, draft: draft, wakeDaemons: wakes)
            return (message, created, wakes)
        }
        let item = Item(roomId: roomId, senderId: senderId, draft: draft)
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
        let (message, created) = try item.outcome!.get()
        return (message, created, item.wakesDaemons)
    }

    /// Never throws: every item gets an outcome.
    private static func store(_ batch: [Item], connection: DatabaseConnection) -> (outcomes: [Outcome], fellBack: Bool) {
        if batch.count > 1 {
            do {
                return (try storeTogether(batch, connection: connection), false)
            } catch where error.isConnectionFailure {
                // The batch may have committed before the connection broke: sending its items
                // again could store them twice, so each gets the failure (a 503), as a lone send would.
                return (batch.map { _ in .failure(error) }, false)
            } catch {
                // The server refused the batch and rolled it back: send the items one by one.
            }
        }
        let store = MessageStore(connection)
        var outcomes: [Outcome] = []
        for item in batch {
            do throws(PostgresError) {
                outcomes.append(.success(try store.send(roomId: item.roomId, senderId: item.senderId, draft: item.draft, wakeDaemons: item.wakesDaemons)))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        return (outcomes, batch.count > 1)
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
            ]
        }
        let result = try connection.postgres.query("SELECT item, message, created FROM chat_send_messages($1::json)", [JSON.array(items).serialized])
        var outcomes = [Outcome](repeating: .failure(SendBatcher.missingResult), count: batch.count)
        for row in 0..<result.rowCount {
            guard let index = result.int(row, 0).map(Int.init), outcomes.indices.contains(index),
                  let message = result.string(row, 1), let created = result.bool(row, 2) else { continue }
            outcomes[index] = .success((.raw(message), created))
        }
        return outcomes
    }

    /// For an item the batch's result lacks, which chat_send_messages never does: a 500, not a retry.
    private static let missingResult = PostgresError(kind: .statement, sqlState: "XX000", serverMessage: "chat_send_messages returned no row for an item")
}
