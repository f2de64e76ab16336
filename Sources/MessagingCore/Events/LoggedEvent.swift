import Foundation

/// One row of `chat_events`.
public struct LoggedEvent: Sendable {
    public let id: Int64
    public let txid: UInt64
    /// 0 for events about a user rather than a conversation (`user_updated`).
    public let roomId: Int64
    /// The kind as stored: the frame's `type`, also for a kind newer than this build.
    public let kindName: String
    /// nil for a kind this build does not know (written by a newer migration): sent as it is.
    public let kind: EventKind?
    /// The payload as JSON text, exactly as stored.
    public let payload: String
    /// Recipients beyond the room's members (a removed member, a user's contacts).
    public let extraRecipients: [Int64]
    /// When the writing transaction began: the delivery-lag metric measures from here.
    public let createdAt: Date?

    public init(id: Int64, txid: UInt64, roomId: Int64, kindName: String, payload: String, extraRecipients: [Int64] = [], createdAt: Date? = nil) {
        self.id = id
        self.txid = txid
        self.roomId = roomId
        self.kindName = kindName
        self.kind = EventKind(rawValue: kindName)
        self.payload = payload
        self.extraRecipients = extraRecipients
        self.createdAt = createdAt
    }

    public var position: LogPosition { LogPosition(txid: txid, id: id) }
}
