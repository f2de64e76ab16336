import ArgumentParser
import Foundation
import MessagingCore

// The service API's user operations for operators: upsert, import, show, deactivate, reactivate. A user is
// named by the platform's `sub` (`--sub`), exactly as its tokens carry it.

/// `--sub`: a canonical positive integer (our id) or another non-numeric id (an external id).
struct SubjectOption: ParsableArguments {
    @Option(help: "The platform's user id, as its tokens carry it in sub.") var sub: String

    func subject() throws -> Subject {
        guard let subject = Subject(sub) else {
            throw ValidationError("--sub must be a canonical positive integer or another non-numeric id")
        }
        return subject
    }
}

extension UserCommand {
    struct Upsert: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or update a platform user (as PUT /api/service/users/:sub) and print it.")
        @OptionGroup var options: ConfigOption
        @OptionGroup var who: SubjectOption
        @Option var username: String?
        @Option(name: .customLong("display-name")) var displayName: String?
        @Option(help: "Avatar URL; an empty string clears it.") var avatar: String?
        @Option(name: .customLong("role"), help: "staff, moderator or admin; repeat for several. --no-roles clears them.") var roles: [String] = []
        @Flag(name: .customLong("no-roles")) var clearRoles = false

        func run() throws {
            let profile = ProfileClaims(username: username, displayName: displayName, avatar: avatar)
            if let problem = ProfileInput.problem(profile) { throw ValidationError(problem) }
            if let unknown = roles.first(where: { !Roles.known.contains($0) }) { throw ValidationError("unknown role '\(unknown)' (\(Roles.known.sorted().joined(separator: ", ")))") }
            let store = AccountStore(try options.connect())
            do {
                let upserted = try store.upsert(try who.subject(), profile: profile, roles: clearRoles ? [] : roles.isEmpty ? nil : Set(roles))
                if upserted.changed { store.wakePushDaemons() }
                print(try store.adminJSON(id: upserted.id)?.serialized ?? "null")
            } catch let error as DatabaseError where error.sqlState == "CHI09" {
                throw ValidationError("id \(who.sub) belongs to a user the platform knows by another sub")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update many platform users from a JSON file (as POST /api/service/users/bulk): all or none.",
            discussion: #"The file: {"users": [{"sub": "42", "username": "ana", "displayName": "Ana", "avatar": "https://...", "roles": ["staff"]}, ...]}, at most 1000 users."#)
        @OptionGroup var options: ConfigOption
        @Argument(help: "The JSON file ('-' for standard input).") var file: String

        func run() throws {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
            guard let data, let body = try? JSON.parse([UInt8](data)) else { throw ValidationError("\(file) is not readable JSON") }
            let entries: [(Subject, PlatformUserFields)]
            do {
                entries = try PlatformUserFields.list(body)
            } catch {
                throw ValidationError(error.message)
            }
            let store = AccountStore(try options.connect())
            do {
                let results = try store.upsertMany(entries.map { ($0.0, $0.1.profile, $0.1.roles) })
                if results.contains(where: \.changed) { store.wakePushDaemons() }
                for (entry, result) in zip(entries, results) {
                    print("\(entry.0.text)\t\(result.id)\t\(result.created ? "created" : result.changed ? "updated" : "unchanged")")
                }
            } catch let error as DatabaseError where error.sqlState == "CHI09" {
                throw ValidationError("an integer sub belongs to a user the platform knows by another sub; nothing was stored")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a platform user (id, external id, profile, roles, state).")
        @OptionGroup var options: ConfigOption
        @OptionGroup var who: SubjectOption

        func run() throws {
            let store = AccountStore(try options.connect())
            guard let account = try store.find(try who.subject()) else { throw ValidationError("no user has sub \(who.sub)") }
            print(try store.adminJSON(id: account.id)?.serialized ?? "null")
        }
    }

    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate a user: tokens refused, live WebSocket sessions closed (4003), messages kept, gone from the directory.")
        @OptionGroup var options: ConfigOption
        @OptionGroup var who: SubjectOption

        func run() throws { try setActive(options: options, who: who, active: false) }
    }

    struct Reactivate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reactivate a deactivated user.")
        @OptionGroup var options: ConfigOption
        @OptionGroup var who: SubjectOption

        func run() throws { try setActive(options: options, who: who, active: true) }
    }
}

private func setActive(options: ConfigOption, who: SubjectOption, active: Bool) throws {
    let store = AccountStore(try options.connect())
    guard let account = try store.find(try who.subject()) else { throw ValidationError("no user has sub \(who.sub)") }
    let changed = try store.setActive(account.id, active: active)
    if changed { store.wakePushDaemons() }
    print(changed ? (active ? "reactivated" : "deactivated") + " user \(account.id)" : "user \(account.id) already was " + (active ? "active" : "deactivated"))
}
