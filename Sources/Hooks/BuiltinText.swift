import JSON

/// The text helpers of lua/lib/text.lua, for the built-in fallbacks. Keep the two identical.
enum BuiltinText {
    /// A string with at least one byte that is not ASCII white space (Lua's %S).
    static func nonempty(_ value: JSON?) -> String? {
        guard let text = value?.stringValue, text.utf8.contains(where: { !($0 == 32 || (9...13).contains($0)) }) else { return nil }
        return text
    }

    /// At most `limit` code points (Lua's utf8.len counts those); a longer text ends in "…".
    static func truncate(_ text: String, limit: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > limit else { return text }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars.prefix(limit - 1))
        return String(result) + "…"
    }

    static func name(of user: JSON?) -> String {
        nonempty(user?["displayName"]) ?? nonempty(user?["username"]) ?? "Someone"
    }

    static func preview(of message: JSON?) -> String {
        guard let message, message.objectValue != nil else { return "New message" }
        if let content = nonempty(message["content"]) { return truncate(content, limit: 100) }
        let mediaURL = BuiltinText.present(message["mediaUrl"])
        let mediaType = BuiltinText.present(message["mediaType"])
        guard mediaURL != nil || mediaType != nil else { return "New message" }
        let kind = mediaType?.stringValue ?? ""
        if kind.hasPrefix("image") { return "📷 Photo" }
        if kind.hasPrefix("video") { return "🎬 Video" }
        return "📎 Attachment"
    }

    /// The value unless it is missing or null (Lua sees both as nil). Spelled out because JSON is
    /// ExpressibleByNilLiteral: a `nil` in a closure returning JSON? would become JSON.null.
    static func present(_ value: JSON?) -> JSON? {
        guard let value, !value.isNull else { return nil }
        return value
    }

    /// Ids compared as numbers or as text (12 and "12" are the same), never nil/null.
    static func sameID(_ a: JSON?, _ b: JSON?) -> Bool {
        guard let a = idText(a), let b = idText(b) else { return false }
        return a == b
    }

    private static func idText(_ value: JSON?) -> String? {
        switch value {
        case let .int(number)?: return String(number)
        case let .string(text)?: return text
        case let .double(number)?: return number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : String(number)
        case let .bool(flag)?: return flag ? "true" : "false"
        default: return nil
        }
    }
}
