/// A value bound as a statement parameter, sent in Postgres text format.
/// Values always travel as parameters, never spliced into SQL text.
public protocol PostgresBindable {
    var postgresText: String { get }
}

extension String: PostgresBindable { public var postgresText: String { self } }
extension Int: PostgresBindable { public var postgresText: String { String(self) } }
extension Int64: PostgresBindable { public var postgresText: String { String(self) } }
extension Bool: PostgresBindable { public var postgresText: String { self ? "t" : "f" } }
extension Double: PostgresBindable { public var postgresText: String { String(self) } }

/// A bigint[] parameter, e.g. `WHERE id = ANY($1)`.
public struct PostgresBigintArray: PostgresBindable {
    public let values: [Int64]
    public init(_ values: [Int64]) { self.values = values }
    public var postgresText: String { "{" + values.map(String.init).joined(separator: ",") + "}" }
}
