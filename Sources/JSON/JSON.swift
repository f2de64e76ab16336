/// A JSON value: what requests are parsed into, what responses, events and Lua hooks are built from.
///
/// Objects keep their keys in insertion order so responses are stable and readable.
/// `.raw` carries a fragment that is already valid JSON (rendered by Postgres), written out verbatim.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])
    case raw(String)

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.raw(a), .raw(b)): return a == b
        default: return false
        }
    }
}

extension JSON {
    /// The value of `key` in an object (nil for a missing key or a non-object).
    public subscript(key: String) -> JSON? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.first(where: { $0.0 == key })?.1
    }

    /// The same array or object storage, not an equal copy: a value handed on unchanged (e.g. one
    /// hook decision shared by many recipients) is recognised without comparing its contents.
    /// False for scalars, and for equal values built apart.
    public func sharesStorage(with other: JSON) -> Bool {
        switch (self, other) {
        case let (.array(a), .array(b)): return JSON.sameBuffer(a, b)
        case let (.object(a), .object(b)): return JSON.sameBuffer(a, b)
        default: return false
        }
    }

    private static func sameBuffer<Element>(_ a: [Element], _ b: [Element]) -> Bool {
        !a.isEmpty && a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress && x.count == y.count } }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    public var arrayValue: [JSON]? { if case let .array(a) = self { return a } else { return nil } }
    public var objectValue: [(String, JSON)]? { if case let .object(o) = self { return o } else { return nil } }

    /// An integer, also from a double with no fractional part (1.0), as JavaScript clients send them.
    public var intValue: Int64? {
        switch self {
        case let .int(i): return i
        case let .double(d) where d.rounded() == d && abs(d) < 9.0e15: return Int64(d)
        default: return nil
        }
    }

    /// A `.raw` fragment parsed into values (nil if it does not parse); any other value as it is.
    public var parsedIfRaw: JSON? {
        guard case let .raw(text) = self else { return self }
        return try? JSON.parse(text)
    }

    /// A copy of this object with `key` set (replaced if present, appended if not).
    public func setting(_ key: String, _ value: JSON) -> JSON {
        guard case var .object(pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .object(pairs)
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSON {
    public init(_ value: String?) { self = value.map { .string($0) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .int($0) } ?? .null }
    public init(_ value: Int) { self = .int(Int64(value)) }
}
