import NIOCore
import Testing

@testable import PushDaemon

@Suite struct DeliveryProbesTests {
    @Test func aProbeIsDueEveryProbeEveryBytes() {
        var probes = DeliveryProbes(probeEvery: 1000)
        #expect(probes.wrote(600, now: 1) == nil)
        let first = probes.wrote(600, now: 2)
        #expect(first != nil)
        #expect(probes.wrote(999, now: 3) == nil)
        #expect(probes.wrote(1, now: 4) != nil)
        #expect(probes.unacknowledgedBytes == 2200)
        #expect(probes.oldestWait(now: 10) == 8)
    }

    @Test func aPongAcknowledgesItsProbeAndEveryEarlierOne() {
        var probes = DeliveryProbes(probeEvery: 100)
        let first = probes.wrote(150, now: 1)!
        let second = probes.wrote(100, now: 2)!
        _ = probes.wrote(50, now: 3)
        probes.received(pong: second)
        #expect(probes.acknowledged == 250)
        #expect(probes.unacknowledgedBytes == 50)
        #expect(probes.oldestWait(now: 9) == nil)
        // A late pong of an earlier probe does not move the acknowledgement back.
        probes.received(pong: first)
        #expect(probes.acknowledged == 250)
    }

    @Test func pongsThatAnswerNoProbeChangeNothing() {
        var probes = DeliveryProbes(probeEvery: 100)
        let probe = probes.wrote(100, now: 5)!
        probes.received(pong: ByteBuffer())                       // a keepalive's pong
        probes.received(pong: ByteBuffer(string: "hello world!"))  // 12 bytes, not ours
        var forged = probe
        forged.moveWriterIndex(to: forged.writerIndex - 1)
        forged.writeInteger(UInt8(99))                            // a sequence never sent
        probes.received(pong: forged)
        #expect(probes.acknowledged == 0)
        #expect(probes.oldestWait(now: 15) == 10)
        probes.received(pong: probe)
        #expect(probes.acknowledged == 100)
    }
}
