import MessagingCore

/// The fields of a nested object in a request body (`{"recipient": {...}}`), read like a body's,
/// whose errors name the field with its parent ("recipient.muted must be true or false.").
struct NestedFields {
    let name: String
    let body: RequestBody

    init?(_ parent: RequestBody, _ key: String) throws {
        guard let value = parent.fields.first(where: { $0.0 == key })?.1, !value.isNull else { return nil }
        guard let object = value.objectValue else { throw APIError.validation("\(key) must be an object.") }
        name = key
        body = RequestBody(fields: object)
    }

    func optionalString(_ key: String) throws -> String? { try named { try body.optionalString(key) } }

    func optionalBool(_ key: String) throws -> Bool? { try named { try body.optionalBool(key) } }

    /// An integer from 0 to 1,000,000,000.
    func optionalCount(_ key: String) throws -> Int64? {
        guard let value = body.fields.first(where: { $0.0 == key })?.1, !value.isNull else { return nil }
        guard let count = value.intValue, (0...1_000_000_000).contains(count) else {
            throw APIError.validation("\(name).\(key) must be an integer from 0 to 1000000000.")
        }
        return count
    }

    /// The body's own error, with the parent's name in front of the field it names.
    private func named<Value>(_ read: () throws -> Value) throws -> Value {
        do {
            return try read()
        } catch let error as APIError {
            throw APIError(error.status, error.code, name + "." + error.message, headers: error.headers)
        }
    }
}
