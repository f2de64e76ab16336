import Foundation
import MessagingCore
import Testing

@Suite struct EmojiSetTests {
    @Test(arguments: ["👍", "❤️", "👨‍👩‍👧‍👦", "🇦🇷", "👍🏽", "1️⃣", "🏳️‍🌈", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "©️", "❤️‍🔥", "🫠"])
    func acceptsFullyQualifiedEmoji(_ emoji: String) {
        #expect(EmojiSet.reaction(emoji) == emoji)
    }

    /// The review's list: a lone regional indicator, a flag of no region, text-style symbols,
    /// doubled skin tones and selectors; and text of every kind.
    @Test(arguments: ["🇫", "🇿🇿", "©", "™", "↔", "👍🏽🏽", "❤️\u{FE0F}", "👍\u{FE0F}", "🏽", "", "a", "1", "#", "ok", "👍👍",
                      "👍 ", "é", "中", "<script>", "\u{200D}", "\u{FE0F}"])
    func refusesEverythingElse(_ text: String) {
        #expect(EmojiSet.reaction(text) == nil)
    }

    @Test func aVariantNamesItsFullyQualifiedForm() {
        #expect(EmojiSet.reactionOrVariant("❤") == "❤️")
        #expect(EmojiSet.reactionOrVariant("❤‍🔥") == "❤️‍🔥")
        #expect(EmojiSet.reactionOrVariant("❤️") == "❤️")
        #expect(EmojiSet.reactionOrVariant("🇿🇿") == nil)
        #expect(EmojiSet.refusal(for: "❤").contains("❤️"))
        #expect(EmojiSet.refusal(for: "ab").contains("recommended set"))
    }

    /// The stored bytes are the set's, whatever normalization form the client used.
    @Test func theStoredFormIsTheSetsBytes() {
        let stored = EmojiSet.reaction("❤️")!
        #expect(Array(stored.unicodeScalars.map(\.value)) == [0x2764, 0xFE0F])
    }

    /// The generated data is what Debian's unicode-data gives (scripts/generate-emoji.py --check).
    @Test func theGeneratedDataIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [root.appendingPathComponent("scripts/generate-emoji.py").path, "--check"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "run scripts/generate-emoji.py (needs Debian's unicode-data)")
    }
}
