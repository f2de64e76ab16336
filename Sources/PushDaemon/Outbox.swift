import NIOCore

/// Frames collected during one pass of the listener, sent with one task per event loop and one
/// flush per session. Per loop, tasks run in submission order, so frames stay in order. Frames go
/// in encoded (`Frames.wire`): a frame for many sessions is encoded once.
struct Outbox {
    private var pending: [ObjectIdentifier: (session: WebSocketSession, frames: [OutboundFrame])] = [:]
    private var order: [ObjectIdentifier] = []

    /// A frame for one session (encoded here).
    mutating func add(_ payload: ByteBuffer, to session: WebSocketSession) {
        add(Frames.wire(payload), to: session)
    }

    mutating func add(_ frame: OutboundFrame, to session: WebSocketSession) {
        let key = ObjectIdentifier(session)
        if let index = pending.index(forKey: key) {
            pending.values[index].frames.append(frame)
        } else {
            pending[key] = (session, [frame])
            order.append(key)
        }
    }

    mutating func flush() {
        guard !order.isEmpty else { return }
        var byLoop: [ObjectIdentifier: (loop: EventLoop, work: [(WebSocketSession, [OutboundFrame])])] = [:]
        for key in order {
            let (session, frames) = pending[key]!
            let loopKey = ObjectIdentifier(session.eventLoop)
            if byLoop[loopKey] == nil { byLoop[loopKey] = (session.eventLoop, []) }
            byLoop[loopKey]!.work.append((session, frames))
        }
        for (_, entry) in byLoop {
            let work = entry.work
            entry.loop.execute {
                for (session, frames) in work { session.deliver(frames) }
            }
        }
        pending.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
    }
}
