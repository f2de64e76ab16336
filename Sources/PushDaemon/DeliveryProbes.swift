import NIOCore

/// End-to-end flow control for one connection. Behind nginx (or any proxy) the daemon's socket
/// stays writable while megabytes wait in the proxy's and the kernel's buffers, so "our outbound
/// buffer is full" says little about the client. Instead, every `probeEvery` bytes written the
/// session sends a WebSocket ping carrying a sequence number; a client answers a ping only after
/// reading everything before it, so its pong acknowledges those bytes. What is written and not
/// yet acknowledged, and how long the oldest probe has waited, measure the client itself.
/// A pure value: the session feeds it byte counts, pongs and the time.
struct DeliveryProbes {
    struct Probe {
        let sequence: UInt64
        /// Bytes written before the ping: acknowledged by its pong.
        let offset: Int
        let sentAt: UInt64
    }

    let probeEvery: Int
    private(set) var written = 0
    private(set) var acknowledged = 0
    private var lastProbeOffset = 0
    private var nextSequence: UInt64 = 1
    private var outstanding: [Probe] = []

    init(probeEvery: Int) {
        self.probeEvery = probeEvery
    }

    var unacknowledgedBytes: Int { written - acknowledged }

    /// Counts `bytes` written at `now`; returns the payload of a ping to send after them when one
    /// is due.
    mutating func wrote(_ bytes: Int, now: UInt64) -> ByteBuffer? {
        written += bytes
        guard written - lastProbeOffset >= probeEvery else { return nil }
        lastProbeOffset = written
        let probe = Probe(sequence: nextSequence, offset: written, sentAt: now)
        nextSequence += 1
        outstanding.append(probe)
        var payload = ByteBuffer()
        payload.writeInteger(Self.marker)
        payload.writeInteger(probe.sequence)
        return payload
    }

    /// A pong's payload: acknowledges its probe and every earlier one. Pongs that answer no
    /// probe of ours (keepalive pings, unsolicited pongs) change nothing.
    mutating func received(pong payload: ByteBuffer) {
        var payload = payload
        guard payload.readableBytes == 12, payload.readInteger(as: UInt32.self) == Self.marker,
              let sequence = payload.readInteger(as: UInt64.self),
              let index = outstanding.firstIndex(where: { $0.sequence == sequence })
        else { return }
        acknowledged = outstanding[index].offset
        outstanding.removeFirst(index + 1)
    }

    /// Nanoseconds the oldest unanswered probe has waited at `now`, or nil when none waits.
    func oldestWait(now: UInt64) -> UInt64? {
        outstanding.first.map { now &- $0.sentAt }
    }

    /// "PRB1": tells our probes' pongs from others.
    private static let marker: UInt32 = 0x5052_4231
}
