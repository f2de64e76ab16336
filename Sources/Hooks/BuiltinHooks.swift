import JSON

/// The decisions used when a script is missing, fails or returns something malformed.
/// They match what the shipped scripts in lua/ decide (a test holds the two side by side).
enum BuiltinHooks {
    // MARK: Notifications (lua/notifications.lua)

    static func messageNotification(_ event: JSON) -> JSON {
        let sender = event["sender"], recipient = event["recipient"]
        if BuiltinText.sameID(recipient?["id"], sender?["id"]) {
            return decision(recipient: recipient, toast: nil, sound: nil, scroll: false)
        }
        let focused = isFocused(event)
        if focused || isMuted(recipient) || blockedSender(recipient) {
            return decision(recipient: recipient, toast: nil, sound: nil, scroll: focused)
        }
        let title = withGroupName(BuiltinText.name(of: sender), event["conversation"])
        return decision(recipient: recipient, toast: (title, BuiltinText.preview(of: event["message"])), sound: "message", scroll: false)
    }

    static func reactionNotification(_ event: JSON) -> JSON {
        let recipient = event["recipient"], message = event["message"], reaction = event["reaction"]
        let reactorID = BuiltinText.present(reaction?["userId"]) ?? event["sender"]?["id"]
        if BuiltinText.sameID(recipient?["id"], reactorID) || !BuiltinText.sameID(message?["senderId"], recipient?["id"])
            || isFocused(event) || isMuted(recipient) || blockedSender(recipient)
        {
            return decision(recipient: recipient, toast: nil, sound: nil, scroll: false)
        }
        let emoji = reaction?["emoji"]?.stringValue ?? ""
        let title = withGroupName(BuiltinText.name(of: event["sender"]) + " reacted " + emoji, event["conversation"])
        return decision(recipient: recipient, toast: (title, BuiltinText.preview(of: message)), sound: nil, scroll: false)
    }

    static func readReceiptNotification(_ event: JSON) -> JSON {
        decision(recipient: event["recipient"], toast: nil, sound: nil, scroll: false)
    }

    private static func decision(recipient: JSON?, toast: (title: String, body: String)?, sound: String?, scroll: Bool) -> JSON {
        .object([
            ("toast", toast.map { .object([("title", .string($0.title)), ("body", .string($0.body))]) } ?? .null),
            ("badge", .object([
                ("total", .int(recipient?["unreadTotal"]?.intValue ?? 0)),
                ("conversation", .int(recipient?["unreadInConversation"]?.intValue ?? 0)),
            ])),
            ("sound", sound.map { .string($0) } ?? .null),
            ("scroll", .bool(scroll)),
        ])
    }

    private static func isFocused(_ event: JSON) -> Bool {
        let conversationID = BuiltinText.present(event["conversation"]?["id"]) ?? event["message"]?["conversationId"]
        return BuiltinText.sameID(event["recipient"]?["focusedConversationId"], conversationID)
    }

    private static func isMuted(_ recipient: JSON?) -> Bool { isTrue(recipient?["muted"]) }

    /// The recipient blocked the sender (or reactor), in a group both are in.
    private static func blockedSender(_ recipient: JSON?) -> Bool { isTrue(recipient?["senderBlocked"]) }

    /// Lua treats every value but nil and false as true.
    private static func isTrue(_ value: JSON?) -> Bool {
        switch value {
        case nil, .null?, .bool(false)?: return false
        default: return true
        }
    }

    private static func withGroupName(_ title: String, _ conversation: JSON?) -> String {
        guard conversation?["type"]?.stringValue == "group", let name = BuiltinText.nonempty(conversation?["name"]) else { return title }
        return title + " in " + name
    }

    // MARK: Guidance (lua/guidance.lua)

    static func guidance(flow: String, context: JSON) -> JSON? {
        switch flow {
        case "direct":
            let exists = BuiltinText.present(context["conversationExists"])
            return .object([
                ("flow", "direct"),
                ("optional", .array([])),
                ("required", [field("participantId", "The person you want to write to")]),
                ("steps", [
                    step("check_conversation", "Check whether a conversation with this person already exists", skip: exists != nil),
                    step("create_conversation", "Create the conversation if there is none yet", skip: exists == .bool(true)),
                    step("open_conversation", "Open the conversation view"),
                    step("focus_input", "Put the cursor in the message input"),
                ]),
                ("title", "Send a direct message"),
            ])
        case "group":
            return .object([
                ("flow", "group"),
                ("optional", [field("avatar", "Group picture"), field("firstMessage", "A first message")]),
                ("required", [field("name", "Group name"), field("participantIds", "Participants")]),
                ("steps", [
                    step("enter_details", "Give the group a name and choose who to add"),
                    step("create_conversation", "Create the group"),
                    step("open_conversation", "Open the conversation view"),
                    step("focus_input", "Put the cursor in the message input"),
                ]),
                ("title", "Start a group chat"),
            ])
        default:
            return nil
        }
    }

    static func validateGroupCreation(_ input: JSON) -> JSON? {
        guard let name = BuiltinText.nonempty(input["name"]) else {
            return problem("name", "Please give the group a name.")
        }
        // The limit comes with the input (GroupLimits in the core), as the script reads it.
        if let limit = input["limits"]?["nameCharacters"]?.intValue, name.unicodeScalars.count > Int(limit) {
            return problem("name", "A group name can be at most \(limit) characters long.")
        }
        guard let ids = input["participantIds"]?.arrayValue, ids.contains(where: { !$0.isNull }) else {
            return problem("participantIds", "Please add at least one person to the group.")
        }
        if let avatar = input["avatar"], !avatar.isNull, avatar.stringValue == nil {
            return problem("avatar", "The group picture must be a link to an image.")
        }
        if let firstMessage = input["firstMessage"], !firstMessage.isNull, firstMessage.stringValue == nil {
            return problem("firstMessage", "The first message must be text.")
        }
        return nil
    }

    static func nextSteps(kind: String, created: Bool, conversation: JSON) -> JSON {
        let openTitle = kind == "group"
            ? (created ? "Open the new group" : "Open the group")
            : (created ? "Open the new conversation" : "Open the existing conversation")
        var open: [(String, JSON)] = []
        if let id = conversation["id"], !id.isNull { open.append(("conversationId", id)) }
        open += [("id", "open_conversation"), ("title", .string(openTitle))]
        return .object([("steps", [.object(open), .object([("id", "focus_input"), ("title", "Put the cursor in the message input")])])])
    }

    private static func step(_ id: String, _ title: String, skip: Bool = false) -> JSON {
        .object([("id", .string(id)), ("skip", .bool(skip)), ("title", .string(title))])
    }

    private static func field(_ name: String, _ label: String) -> JSON {
        .object([("field", .string(name)), ("label", .string(label))])
    }

    private static func problem(_ field: String, _ message: String) -> JSON {
        .object([("field", .string(field)), ("message", .string(message))])
    }
}
