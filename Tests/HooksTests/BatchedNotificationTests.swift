@testable import Hooks
import JSON
import Testing

/// `notifications(for:shared:recipients:)` converts the shared part of an event once; its
/// decisions must be those of one call per recipient.
@Suite struct BatchedNotificationTests {
    @Test func batchedDecisionsEqualOneCallPerRecipient() {
        let folder = ScriptsFolder()
        folder.installShippedScripts()
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .default, logger: log.logger)
        withExtendedLifetime(folder) {
            let inputs = [
                SampleEvents.message(focused: 7), SampleEvents.message(), SampleEvents.message(muted: true),
                SampleEvents.message(recipientID: 1), SampleEvents.message(focused: 9, recipientID: 3),
            ]
            let shared = inputs[0].objectValue!.filter { $0.0 != "recipient" }
            let recipients = inputs.map { [("recipient", $0["recipient"]!)] }
            let batched = engine.notifications(for: .newMessage, shared: shared, recipients: recipients)
            #expect(batched == inputs.map { engine.messageNotification($0) })
            #expect(batched[0]["scroll"] == true && batched[1]["toast"]?["title"] == "Alice")
            #expect(log.errors.isEmpty)
        }
    }

    @Test func aFailingScriptFallsBackForEveryRecipient() {
        let folder = ScriptsFolder()
        folder.installShippedScripts()
        folder.write("notifications.lua", "return { on_message = function(event) error('boom') end }")
        let log = LogRecorder()
        let engine = HookEngine(scriptsDirectory: folder.path, limits: .default, logger: log.logger)
        withExtendedLifetime(folder) {
            let inputs = [SampleEvents.message(), SampleEvents.message(focused: 7)]
            let shared = inputs[0].objectValue!.filter { $0.0 != "recipient" }
            let batched = engine.notifications(for: .newMessage, shared: shared, recipients: inputs.map { [("recipient", $0["recipient"]!)] })
            #expect(batched == inputs.map { BuiltinHooks.messageNotification($0) })
        }
    }
}
