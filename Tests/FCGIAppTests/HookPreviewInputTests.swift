import MessagingCore
import Testing

@testable import FCGIApp

/// The staff preview's made-up situation becomes the hook input the push daemon builds, and every
/// bad field is a 400 that names it.
@Suite struct HookPreviewInputTests {
    func input(_ fields: [(String, JSON)]) throws -> HookPreviewInput {
        try HookPreviewInput(body: RequestBody(fields: fields), maxContentCharacters: 4000)
    }

    func problem(_ fields: [(String, JSON)]) -> String? {
        do {
            _ = try input(fields)
            return nil
        } catch let error as APIError {
            return "\(error.status) \(error.code): \(error.message)"
        } catch {
            return "\(error)"
        }
    }

    @Test func newMessageForAnUnfocusedRecipient() throws {
        let preview = try input([("event", "new_message"), ("content", "Hola"),
                                 ("recipient", ["unreadTotal": 4, "unreadInConversation": 1])])
        #expect(preview.event == "new_message")
        #expect(preview.input["message"]?["content"] == "Hola")
        #expect(preview.input["sender"]?["displayName"] == "Alice")
        #expect(preview.input["recipient"] == ["id": 2, "focusedConversationId": .null, "unreadTotal": 4, "unreadInConversation": 1, "muted": false,
                                                   "senderBlocked": false])
        #expect(preview.input["conversation"]?["type"] == "direct")
    }

    @Test func focusedMutedGroupRecipientWhoIsTheSender() throws {
        let preview = try input([("event", "new_message"), ("conversation", ["type": "group", "name": "Práctica"]),
                                 ("recipient", ["focused": true, "muted": true, "isSender": true])])
        #expect(preview.input["recipient"]?["focusedConversationId"] == 1)
        #expect(preview.input["recipient"]?["muted"] == true)
        #expect(preview.input["sender"]?["id"] == 2)
        #expect(preview.input["conversation"]?["name"] == "Práctica")
    }

    @Test func reactionIsToTheRecipientsOwnMessage() throws {
        let preview = try input([("event", "reaction_added"), ("emoji", "🎉"), ("senderName", "Bob")])
        #expect(preview.input["message"]?["senderId"] == 2)
        #expect(preview.input["reaction"] == ["emoji": "🎉", "userId": 1, "count": 1])
        #expect(preview.input["sender"]?["displayName"] == "Bob")
    }

    @Test func readReceiptCarriesTheReader() throws {
        let preview = try input([("event", "message_read")])
        #expect(preview.input["reader"]?["id"] == 1)
        #expect(preview.input["upToMessageId"] == 1)
    }

    @Test func badInputNamesTheField() {
        #expect(problem([]) == "400 validation_failed: event is required.")
        #expect(problem([("event", "typing")])?.hasPrefix("400 validation_failed: event must be one of") == true)
        #expect(problem([("event", "new_message"), ("content", 5)]) == "400 validation_failed: content must be a string.")
        #expect(problem([("event", "new_message"), ("content", .string(String(repeating: "a", count: 4001)))])?.hasPrefix("400 content_too_long") == true)
        #expect(problem([("event", "new_message"), ("recipient", "yes")]) == "400 validation_failed: recipient must be an object.")
        #expect(problem([("event", "new_message"), ("recipient", ["muted": "yes"])]) == "400 validation_failed: recipient.muted must be true or false.")
        #expect(problem([("event", "new_message"), ("recipient", ["unreadTotal": -1])])?.contains("recipient.unreadTotal") == true)
        #expect(problem([("event", "new_message"), ("recipient", ["unreadTotal": 1, "unreadInConversation": 2])])?.contains("cannot exceed") == true)
        #expect(problem([("event", "new_message"), ("conversation", ["type": "group"])]) == "400 validation_failed: conversation.name is required for a group.")
        #expect(problem([("event", "new_message"), ("mediaType", "audio")]) == "400 validation_failed: mediaType must be image or video.")
        #expect(problem([("event", "reaction_added"), ("emoji", "ab")]) == "400 validation_failed: \(EmojiSet.refusal(for: "ab"))")
        #expect(problem([("event", "new_message"), ("senderName", " ")]) == "400 validation_failed: senderName must be 1 to 100 characters.")
        #expect(problem([("event", "new_message"), ("senderName", .string(String(repeating: "b", count: 101)))])
                == "400 validation_failed: senderName must be 1 to 100 characters.")
        #expect(problem([("event", "new_message"), ("conversation", ["type": "channel"])])
                == "400 validation_failed: conversation.type must be direct or group.")
    }

    @Test func mediaGetsAnExampleLinkOfItsKind() throws {
        #expect(try input([("event", "new_message"), ("mediaType", "image")]).input["message"]?["mediaUrl"] == "https://example.com/preview.jpg")
        #expect(try input([("event", "new_message"), ("mediaType", "video")]).input["message"]?["mediaUrl"] == "https://example.com/preview.mp4")
        #expect(try input([("event", "new_message")]).input["message"]?["mediaUrl"] == .null)
    }
}
