import JSON

/// What a hook returned that does not fit the contract, in words for the log.
struct ShapeProblem: Error {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Checks hook results against the contract in lua/README.md and puts them in their wire form.
enum HookResultShape {
    /// {"toast": {"title","body"} | null, "badge": {"total","conversation"}, "sound": String | null, "scroll": Bool}
    static func decision(_ value: JSON) throws(ShapeProblem) -> JSON {
        guard value.objectValue != nil else { throw ShapeProblem("must return a table with badge, toast, sound and scroll") }
        let toast: JSON
        switch value["toast"] {
        case nil, .null?, .bool(false)?: toast = .null
        case let table?:
            guard let title = table["title"]?.stringValue, let body = table["body"]?.stringValue else {
                throw ShapeProblem("returned a toast without a text title and body")
            }
            toast = .object([("title", .string(title)), ("body", .string(body))])
        }
        guard let total = value["badge"]?["total"]?.intValue, let conversation = value["badge"]?["conversation"]?.intValue,
              total >= 0, conversation >= 0
        else {
            throw ShapeProblem("returned no badge = { total = <count>, conversation = <count> }")
        }
        let sound: JSON
        switch value["sound"] {
        case nil, .null?, .bool(false)?: sound = .null
        case let .string(name)? where !name.isEmpty: sound = .string(name)
        default: throw ShapeProblem("returned a sound that is neither nil nor a name")
        }
        let scroll: Bool
        switch value["scroll"] {
        case nil, .null?: scroll = false
        case let .bool(flag)?: scroll = flag
        default: throw ShapeProblem("returned a scroll that is not true or false")
        }
        return .object([
            ("toast", toast),
            ("badge", .object([("total", .int(total)), ("conversation", .int(conversation))])),
            ("sound", sound),
            ("scroll", .bool(scroll)),
        ])
    }

    /// nil (unknown flow) or an object whose `steps` is a list of steps with an `id`.
    static func guidance(_ value: JSON) throws(ShapeProblem) -> JSON? {
        if value.isNull { return nil }
        try requireSteps(in: value, allowEmpty: false)
        return value
    }

    /// {"steps": [...]} with each step carrying an `id`.
    static func nextSteps(_ value: JSON) throws(ShapeProblem) -> JSON {
        try requireSteps(in: value, allowEmpty: true)
        return value
    }

    /// nil / false when the group is fine, else {"field", "message"}.
    static func groupValidation(_ value: JSON) throws(ShapeProblem) -> JSON? {
        switch value {
        case .null, .bool(false): return nil
        default:
            guard let field = value["field"]?.stringValue, let message = value["message"]?.stringValue, !message.isEmpty else {
                throw ShapeProblem("must return nil or { field = <name>, message = <text for the person> }")
            }
            return .object([("field", .string(field)), ("message", .string(message))])
        }
    }

    private static func requireSteps(in value: JSON, allowEmpty: Bool) throws(ShapeProblem) {
        guard value.objectValue != nil, let steps = value["steps"]?.arrayValue, allowEmpty || !steps.isEmpty else {
            throw ShapeProblem("must return a table with a list of steps")
        }
        for (index, step) in steps.enumerated() {
            if step["id"]?.stringValue == nil { throw ShapeProblem("returned step \(index + 1) without an id") }
            if let title = step["title"], title.stringValue == nil {
                throw ShapeProblem("returned step \(index + 1) with a title that is not text")
            }
        }
    }
}
