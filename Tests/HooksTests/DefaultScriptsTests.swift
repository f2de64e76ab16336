import Hooks
import JSON
import Testing

/// The scripts shipped in lua/ and the built-in fallbacks: what they decide, and that they
/// decide the same.
@Suite struct DefaultScriptsTests {
    /// An engine over a copy of the shipped lua/ scripts.
    private func withShippedScripts(_ body: (HookEngine, LogRecorder) -> Void) {
        let folder = ScriptsFolder()
        folder.installShippedScripts()
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .default, logger: log.logger)
        withExtendedLifetime(folder) { body(engine, log) }
    }

    /// An engine over an empty folder: only the built-in fallbacks.
    private func withBuiltins(_ body: (HookEngine) -> Void) {
        let folder = ScriptsFolder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .default, logger: LogRecorder().logger)
        withExtendedLifetime(folder) { body(engine) }
    }

    @Test func shippedScriptsLoadCleanly() {
        withShippedScripts { engine, log in
            let status = engine.status()
            #expect(status["healthy"] == true)
            #expect(status["scripts"]?.arrayValue?.allSatisfy { $0["state"] == "loaded" } == true)
            #expect(log.errors.isEmpty)
        }
    }

    @Test func focusedRecipientScrollsWithoutToast() {
        withShippedScripts { engine, log in
            let decision = engine.messageNotification(SampleEvents.message(focused: 7))
            #expect(decision == ["toast": nil, "badge": ["total": 5, "conversation": 2], "sound": nil, "scroll": true])
            #expect(log.errors.isEmpty)
        }
    }

    @Test func unfocusedRecipientGetsToastSoundAndBadge() {
        withShippedScripts { engine, _ in
            let decision = engine.messageNotification(SampleEvents.message(focused: 99))
            #expect(decision == [
                "toast": ["title": "Alice", "body": "See you at 8?"],
                "badge": ["total": 5, "conversation": 2], "sound": "message", "scroll": false,
            ])
        }
    }

    @Test func mutedRecipientGetsOnlyTheBadge() {
        withShippedScripts { engine, _ in
            let decision = engine.messageNotification(SampleEvents.message(muted: true))
            #expect(decision == ["toast": nil, "badge": ["total": 5, "conversation": 2], "sound": nil, "scroll": false])
        }
    }

    @Test func aBlockedSenderGetsNoToastOrSound() {
        withShippedScripts { engine, _ in
            let message = engine.messageNotification(SampleEvents.message(conversationType: "group", senderBlocked: true))
            #expect(message == ["toast": nil, "badge": ["total": 5, "conversation": 2], "sound": nil, "scroll": false])
            let focused = engine.messageNotification(SampleEvents.message(focused: 7, senderBlocked: true))
            #expect(focused["scroll"] == true)
            let reaction = engine.reactionNotification(SampleEvents.reaction(senderBlocked: true))
            #expect(reaction["toast"] == .null)
        }
    }

    @Test func theSenderIsNeverNotified() {
        withShippedScripts { engine, _ in
            let decision = engine.messageNotification(SampleEvents.message(recipientID: 1))
            #expect(decision == ["toast": nil, "badge": ["total": 5, "conversation": 2], "sound": nil, "scroll": false])
        }
    }

    @Test func groupToastNamesTheGroupAndMediaGetsALabel() {
        withShippedScripts { engine, _ in
            let group = engine.messageNotification(SampleEvents.message(conversationType: "group"))
            #expect(group["toast"]?["title"] == "Alice in Weekend trip")
            let photo = engine.messageNotification(SampleEvents.message(content: "", mediaType: "image", mediaURL: "https://x/y.jpg"))
            #expect(photo["toast"]?["body"] == "📷 Photo")
            let video = engine.messageNotification(SampleEvents.message(content: .null, mediaType: "video/mp4", mediaURL: "https://x/y.mp4"))
            #expect(video["toast"]?["body"] == "🎬 Video")
            let long = engine.messageNotification(SampleEvents.message(content: .string(String(repeating: "é", count: 150))))
            #expect(long["toast"]?["body"] == .string(String(repeating: "é", count: 99) + "…"))
        }
    }

    @Test func reactionsToastTheAuthorAndReadsMoveBadges() {
        withShippedScripts { engine, _ in
            let author = engine.reactionNotification(SampleEvents.reaction(recipientID: 1))
            #expect(author == [
                "toast": ["title": "Bob reacted 👍", "body": "See you at 8?"],
                "badge": ["total": 5, "conversation": 2], "sound": nil, "scroll": false,
            ])
            #expect(engine.reactionNotification(SampleEvents.reaction(recipientID: 3))["toast"] == .null)
            #expect(engine.reactionNotification(SampleEvents.reaction(recipientID: 2))["toast"] == .null)
            #expect(engine.readReceiptNotification(SampleEvents.read()) == [
                "toast": nil, "badge": ["total": 5, "conversation": 2], "sound": nil, "scroll": false,
            ])
        }
    }

    @Test func guidanceForBothFlows() {
        withShippedScripts { engine, _ in
            let direct = engine.guidance(flow: "direct", context: ["conversationExists": true])
            #expect(direct?["steps"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ==
                ["check_conversation", "create_conversation", "open_conversation", "focus_input"])
            #expect(direct?["steps"]?.arrayValue?[1]["skip"] == true)
            let group = engine.guidance(flow: "group", context: [:])
            #expect(group?["required"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["name", "participantIds"])
            #expect(group?["optional"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["avatar", "firstMessage"])
            #expect(engine.guidance(flow: "broadcast", context: [:]) == nil)
        }
    }

    @Test func groupValidationUsesTheScriptsWording() {
        withShippedScripts { engine, _ in
            #expect(engine.validateGroupCreation(["name": "  ", "participantIds": [2, 3]])
                == ["field": "name", "message": "Please give the group a name."])
            #expect(engine.validateGroupCreation(["name": "Trip", "participantIds": []])?["field"] == "participantIds")
            #expect(engine.validateGroupCreation(["name": "Trip", "participantIds": [2]]) == nil)
            // The limit is the server's, given in the input: the message quotes it.
            let long: JSON = ["name": .string(String(repeating: "x", count: 21)), "participantIds": [2], "limits": ["nameCharacters": 20]]
            #expect(engine.validateGroupCreation(long) == ["field": "name", "message": "A group name can be at most 20 characters long."])
        }
    }

    /// The built-in fallbacks must say exactly what the shipped scripts say.
    @Test func builtinsMatchTheShippedScripts() {
        let events: [JSON] = [
            SampleEvents.message(), SampleEvents.message(focused: 7), SampleEvents.message(focused: 8),
            SampleEvents.message(muted: true), SampleEvents.message(focused: 7, muted: true),
            SampleEvents.message(recipientID: 1), SampleEvents.message(conversationType: "group"),
            SampleEvents.message(content: "", mediaType: "image/png", mediaURL: "u"),
            SampleEvents.message(content: .null, mediaType: "audio", mediaURL: "u"),
            SampleEvents.message(content: "  "), SampleEvents.message(content: .string(String(repeating: "👍🏽", count: 80))),
            SampleEvents.message(content: .string(String(repeating: "a", count: 100))),
            ["event": "new_message"], ["recipient": ["id": 2]],
            SampleEvents.message(focused: 7).setting("conversation", ["id": nil, "type": "direct"]),
            SampleEvents.message(focused: 7).setting("recipient", ["id": "2", "focusedConversationId": "7", "unreadTotal": 1.0, "unreadInConversation": 1]),
            SampleEvents.message(conversationType: "group", senderBlocked: true), SampleEvents.message(focused: 7, senderBlocked: true),
            SampleEvents.message(recipientID: 1, senderBlocked: true),
        ]
        let reactions: [JSON] = [
            SampleEvents.reaction(), SampleEvents.reaction(recipientID: 2), SampleEvents.reaction(recipientID: 3),
            SampleEvents.reaction(focused: 7), SampleEvents.reaction(muted: true),
            SampleEvents.reaction().setting("conversation", ["id": 7, "type": "group", "name": "Team"]),
            SampleEvents.reaction().setting("reaction", ["emoji": "🎉"]),
            SampleEvents.reaction(recipientID: 2).setting("reaction", ["emoji": "🎉", "userId": nil]),
            SampleEvents.reaction(focused: 7).setting("conversation", ["id": nil, "type": "direct"]),
            SampleEvents.reaction(senderBlocked: true), SampleEvents.reaction(recipientID: 2, senderBlocked: true),
        ]
        let groups: [JSON] = [
            [:], ["name": "Trip"], ["name": "Trip", "participantIds": [1]], ["name": .string(String(repeating: "x", count: 101)), "participantIds": [1]],
            ["name": .string(String(repeating: "x", count: 101)), "participantIds": [1], "limits": ["nameCharacters": 100, "members": 1000]],
            ["name": .string(String(repeating: "x", count: 30)), "participantIds": [1], "limits": ["nameCharacters": 20]],
            ["name": "Trip", "participantIds": [1], "avatar": 5], ["name": "Trip", "participantIds": [1], "firstMessage": false],
            ["name": "Trip", "participantIds": [nil]], ["name": "Trip", "participantIds": [1], "avatar": "https://a/b.png", "firstMessage": "Hi"],
        ]
        withShippedScripts { scripts, log in
            withBuiltins { builtins in
                for event in events {
                    #expect(scripts.messageNotification(event) == builtins.messageNotification(event), "\(event.serialized)")
                    #expect(scripts.readReceiptNotification(event) == builtins.readReceiptNotification(event))
                }
                for event in reactions {
                    #expect(scripts.reactionNotification(event) == builtins.reactionNotification(event), "\(event.serialized)")
                }
                for input in groups {
                    #expect(scripts.validateGroupCreation(input) == builtins.validateGroupCreation(input), "\(input.serialized)")
                }
                for flow in ["direct", "group", "other"] {
                    for context: JSON in [[:], ["conversationExists": true], ["conversationExists": false]] {
                        #expect(scripts.guidance(flow: flow, context: context) == builtins.guidance(flow: flow, context: context))
                    }
                }
                for kind in ["direct", "group"] {
                    for created in [true, false] {
                        for conversation: JSON in [["id": 7, "type": .string(kind)], [:]] {
                            #expect(scripts.nextSteps(kind: kind, created: created, conversation: conversation)
                                == builtins.nextSteps(kind: kind, created: created, conversation: conversation))
                        }
                    }
                }
            }
            #expect(log.errors.isEmpty, "\(log.errorText)")
        }
    }
}
