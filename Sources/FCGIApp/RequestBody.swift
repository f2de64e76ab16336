import MessagingCore

/// Typed access to a JSON object body. Unknown fields are ignored; a missing or mistyped field
/// is a 400 that names the field.
struct RequestBody {
    let fields: [(String, JSON)]

    private func value(_ key: String) -> JSON? {
        guard let value = fields.first(where: { $0.0 == key })?.1, !value.isNull else { return nil }
        return value
    }

    func id(_ key: String) throws -> Int64 {
        guard let value = try optionalId(key) else { throw APIError.validation("\(key) is required.") }
        return value
    }

    func optionalId(_ key: String) throws -> Int64? {
        guard let value = value(key) else { return nil }
        guard let id = value.intValue, id > 0 else { throw APIError.validation("\(key) must be a positive integer.") }
        return id
    }

    /// Like `optionalId`, for a field the spec does not let be null: absent is nil, null is a 400.
    func optionalNonNullId(_ key: String) throws -> Int64? {
        if let field = fields.first(where: { $0.0 == key }), field.1.isNull {
            throw APIError.validation("\(key) must be a positive integer (or absent), not null.")
        }
        return try optionalId(key)
    }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw APIError.validation("\(key) is required.") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.stringValue else { throw APIError.validation("\(key) must be a string.") }
        return text
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.boolValue else { throw APIError.validation("\(key) must be true or false.") }
        return flag
    }

    /// A list of ids, at most `maxCount`.
    func ids(_ key: String, maxCount: Int) throws -> [Int64]? {
        guard let value = value(key) else { return nil }
        guard let items = value.arrayValue else { throw APIError.validation("\(key) must be an array of user ids.") }
        guard items.count <= maxCount else { throw APIError.validation("\(key) may hold at most \(maxCount) ids.") }
        return try items.map { item in
            guard let id = item.intValue, id > 0 else { throw APIError.validation("\(key) must hold positive integer ids.") }
            return id
        }
    }

    /// A free-text note (reports, moderators' actions): at most `ReportReason.maxNoteCharacters`
    /// characters, the same character rules as message content; blank is nil.
    func optionalNote(_ key: String = "note") throws -> String? {
        guard let note = try optionalString(key), !note.trimmed.isEmpty else { return nil }
        if let problem = Validation.contentProblem(note, maxCharacters: ReportReason.maxNoteCharacters) {
            throw APIError.validation(problem.replacingOccurrences(of: "content", with: key) + ".")
        }
        return note
    }
}
