/// A place in the event log, in commit-safe order: (transaction id, event id).
public struct LogPosition: Comparable, Sendable, CustomStringConvertible {
    public var txid: UInt64
    public var id: Int64

    public static let start = LogPosition(txid: 0, id: 0)

    public init(txid: UInt64, id: Int64) {
        self.txid = txid
        self.id = id
    }

    public static func < (lhs: LogPosition, rhs: LogPosition) -> Bool {
        lhs.txid != rhs.txid ? lhs.txid < rhs.txid : lhs.id < rhs.id
    }

    public var description: String { "\(txid)/\(id)" }
}
