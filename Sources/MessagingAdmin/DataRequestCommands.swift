import ArgumentParser
import MessagingCore

/// Data-protection requests: `user export --user N` prints everything stored about a user as JSON;
/// `user erase --user N --yes` tombstones their content and anonymizes their profile.
extension UserCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print everything stored about a user as JSON: profile, memberships, messages with earlier versions and reactions, reactions given, blocks, reports.")
        @OptionGroup var options: ConfigOption
        @Option(help: "The user's id.") var user: Int64

        func run() throws {
            guard let export = try DataRequestStore(try options.connect()).export(userId: user) else {
                throw ValidationError("no user with id \(user)")
            }
            print(export)
        }
    }

    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a user: every message they sent becomes a tombstone (removal erasure; earlier versions and copies in the event log gone), their reactions, reports and blocks are deleted, the profile is anonymized and deactivated. Others' messages and the conversations stay. Cannot be undone.")
        @OptionGroup var options: ConfigOption
        @Option(help: "The user's id.") var user: Int64
        @Flag(help: "Confirm: the erasure cannot be undone.") var yes = false

        func run() throws {
            guard yes else { throw ValidationError("erasing cannot be undone: add --yes") }
            let connection = try options.connect()
            guard try AccountStore(connection).find(id: user) != nil else { throw ValidationError("no user with id \(user)") }
            let erased = try DataRequestStore(connection).erase(userId: user)
            AccountStore(connection).wakePushDaemons()
            print("erased user \(user): \(erased) messages tombstoned, profile anonymized")
        }
    }
}
