import MessagingCore

/// The fields of a nested object in a request body (`{"recipient": {...}}`), whose errors name the
/// field with its parent ("recipient.muted must be true or false.").
struct NestedFields {
    let name: String
    let fields: [(String, JSON)]

    init?(_ body: RequestBody, _ key: String) throws {
        guard let value = body.fields.first(where: { $0.0 == key })?.1, !value.isNull else { return nil }
        guard let object = value.objectValue else { throw APIError.validation("\(key) must be an object.") }
        name = key
        fields = object
    }

    private func value(_ key: String) -> JSON? {
        guard let value = fields.first(where: { $0.0 == key })?.1, !value.isNull else { return nil }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.stringValue else { throw APIError.validation("\(name).\(key) must be a string.") }
        return text
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.boolValue else { throw APIError.validation("\(name).\(key) must be true or false.") }
        return flag
    }

    /// An integer from 0 to 1,000,000,000.
    func optionalCount(_ key: String) throws -> Int64? {
        guard let value = value(key) else { return nil }
        guard let count = value.intValue, (0...1_000_000_000).contains(count) else {
            throw APIError.validation("\(name).\(key) must be an integer from 0 to 1000000000.")
        }
        return count
    }
}
