import ArgumentParser
import MessagingCore

/// `messaging-admin rate-limit set|clear`: one user's own limits in place of `rate_limits`
/// (a bot that may send faster, or a user slowed down while a report is looked at).
struct RateLimitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate-limit", abstract: "Set or clear one user's own rate limit for one kind of request.",
        subcommands: [Set.self, Clear.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user their own limit, e.g. --action send --limit 1/s:5.")
        @OptionGroup var options: ConfigOption
        @Option(help: "The user's id.") var user: Int64
        @Option(help: "send, conversation, react, edit, delete, read, group_admin or search.") var action: String
        @Option(help: "count/unit:burst, as in rate_limits (unit s, m or h).") var limit: String

        func run() throws {
            guard let kind = RateAction(rawValue: action) else { throw ValidationError("unknown action '\(action)'") }
            guard case let .success(parsed) = RateLimits.parse("\(action)=\(limit)"), let policy = parsed[kind] else {
                throw ValidationError("--limit must be count/unit:burst, e.g. 1/s:5")
            }
            try RateLimitStore(try options.connect()).setOverride(userId: user, action: kind, policy: policy)
            print("user \(user): \(action) limited to \(limit)")
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user's own limit: rate_limits applies again.")
        @OptionGroup var options: ConfigOption
        @Option(help: "The user's id.") var user: Int64
        @Option(help: "The action.") var action: String

        func run() throws {
            guard let kind = RateAction(rawValue: action) else { throw ValidationError("unknown action '\(action)'") }
            try RateLimitStore(try options.connect()).setOverride(userId: user, action: kind, policy: nil)
            print("user \(user): \(action) follows rate_limits again")
        }
    }
}
