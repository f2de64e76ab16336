import JSON
#if canImport(Glibc)
import Glibc
#endif

/// The frames of one event by `h2ac` decision: equal decisions give byte-identical frames, so
/// each distinct decision is rendered and encoded once. Remembers the last few distinct ones
/// (compared with ==), so the cost stays bounded when every decision differs.
struct RenderedFrames {
    let prefix: String
    private var recent: [(decision: JSON?, frame: OutboundFrame)] = []
    private var next = 0
    static let capacity = 8

    init(prefix: String) {
        self.prefix = prefix
    }

    mutating func frame(for decision: JSON?) -> OutboundFrame {
        for entry in recent where Self.identical(entry.decision, decision) { return entry.frame }
        let frame = Frames.wire(Frames.close(prefix, h2ac: decision))
        if recent.count < Self.capacity {
            recent.append((decision, frame))
        } else {
            recent[next] = (decision, frame)
            next = (next + 1) % Self.capacity
        }
        return frame
    }

    /// Equal to the byte: JSON's == compares strings by Unicode equivalence ("é" precomposed
    /// equals "e" + combining accent) and doubles numerically (0.0 equals -0.0), though they
    /// serialize differently; a shared frame must be exactly the recipient's own.
    static func identical(_ a: JSON?, _ b: JSON?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return identical(a, b)
        default: return false
        }
    }

    static func identical(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x.bitPattern == y.bitPattern
        case let (.string(x), .string(y)), let (.raw(x), .raw(y)): return sameBytes(x, y)
        case let (.array(x), .array(y)):
            return a.sharesStorage(with: b) || (x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) })
        case let (.object(x), .object(y)):
            return a.sharesStorage(with: b) || (x.count == y.count && zip(x, y).allSatisfy { sameBytes($0.0, $1.0) && identical($0.1, $1.1) })
        default: return false
        }
    }

    /// Byte equality with one memcmp (`utf8.elementsEqual` walks the views element by element,
    /// which was a tenth of the daemon's instructions per delivery).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b  // withUTF8 may first make a bridged string contiguous; ours already are
        return a.withUTF8 { x in
            b.withUTF8 { y in x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
        }
    }
}
