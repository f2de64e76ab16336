import ArgumentParser
import CommandOptions
import Foundation
import MessagingCore

@main
struct MessagingAdmin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messaging-admin",
        abstract: "Administer the messaging backend: migrations, users, tokens, configuration, H2AC hooks.",
        subcommands: [MigrateCommand.self, UserCommand.self, TokenCommand.self, ServiceTokenCommand.self, ConfigCommand.self, HooksCommand.self,
                      RateLimitCommand.self])
}

/// `--config PATH` (see ConfigFileOption), its failures in the words of a command-line refusal,
/// and the database it names.
struct ConfigOption: ParsableArguments {
    @OptionGroup var file: ConfigFileOption

    func load() throws -> Configuration {
        do {
            return try file.load()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func connect() throws -> DatabaseConnection {
        let configuration = try load()
        do {
            // An operator's command waits longer for a busy server than a request does (2 s there).
            var settings = configuration.databaseSettings(applicationName: "messaging-admin")
            settings.connectTimeoutSeconds = 15
            return try DatabaseConnection(settings: settings)
        } catch {
            throw ValidationError("cannot connect to the database (database_url): \(error.serverMessage.trimmed)")
        }
    }
}

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations in order.")
    @OptionGroup var options: ConfigOption
    @Option(help: "Folder of NNNN_name.sql migration files.") var migrations = "migrations"

    func run() throws {
        let applied = try Migrator(try options.connect(), directory: migrations).migrate()
        print(applied.isEmpty ? "migrations: up to date" : applied.map { "applied \($0)" }.joined(separator: "\n"))
    }
}

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.",
                                                    subcommands: [Add.self, Upsert.self, Import.self, Show.self, Deactivate.self, Reactivate.self, Export.self, Erase.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user and print its id.")
        @OptionGroup var options: ConfigOption
        @Option var username: String
        @Option(name: .customLong("display-name")) var displayName: String?
        @Option var avatar: String?
        @Option(help: "Use this id (the platform's user id) instead of the next free one.") var id: Int64?

        func run() throws {
            if let id, id <= 0 { throw ValidationError("--id must be a positive integer") }
            do {
                print(try UserStore(try options.connect()).create(id: id, username: username, displayName: displayName ?? username, avatar: avatar))
            } catch let error as DatabaseError where error.sqlState == "23505" {
                throw ValidationError(id.map { "username '\(username)' or id \($0) is taken" } ?? "username '\(username)' is taken")
            } catch let error as DatabaseError where error.sqlState == "23514" {
                throw ValidationError("username must be 1-64 of A-Z a-z 0-9 _ . - and display name 1-128 characters")
            }
        }
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Print an access token (HS256 JWT, signed with jwt_secret) for a user.")
    @OptionGroup var options: ConfigOption
    @Option(help: "The user's id.") var user: Int64
    @Option(help: "Lifetime in seconds.") var ttl: Int = 86400
    @Flag(help: "Print a link that opens the web client signed in (web_url + #token=...) instead of the bare token.")
    var link = false

    func run() throws {
        do {
            let configuration = try options.load()
            let token = try TokenSigner(configuration: configuration).sign(userId: user, ttlSeconds: ttl)
            // The token travels in the fragment: browsers never send it to a server or into its
            // logs, and the web client moves it to sessionStorage and strips it from the address.
            print(link ? configuration.webURL + "#token=" + token : token)
        } catch let error as Configuration.Invalid {
            throw ValidationError("\(error)")
        }
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Print every configuration key with its default, or check a file.")
    @Option(help: "Check this file: exits non-zero naming the first bad key.") var check: String?
    @Flag(help: "Print the reference as Markdown (docs/configuration.md).") var markdown = false

    func run() throws {
        if markdown {
            print(Configuration.markdownReference(), terminator: "")
            return
        }
        if let check {
            do {
                _ = try Configuration.load(path: check)
                print("\(check): ok")
            } catch {
                throw ValidationError("\(error)")
            }
            return
        }
        for key in Configuration.keys {
            print("# \(key.doc)\n# env: MESSAGING_\(key.key.uppercased())\n\(key.key) = \(key.defaultValue)\n")
        }
    }
}
