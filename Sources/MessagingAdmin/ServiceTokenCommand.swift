import ArgumentParser
import Foundation
import MessagingCore

/// `messaging-admin service-token create|revoke|list`: the platform backend's credentials for the
/// service API (docs/DEPLOY.md, "Connecting a platform").
struct ServiceTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service-token", abstract: "Credentials of the platform's backend for the service API.",
        subcommands: [Create.self, Revoke.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a service token and print it (shown only this once; only its hash is kept).")
        @OptionGroup var options: ConfigOption
        @Option(help: "A name for it (e.g. the platform's name), unique.") var name: String
        @Option(name: .customLong("scope"), help: "users:write (the default: every service route) or users:read (reading only); repeatable.") var scopes: [String] = ["users:write"]

        func run() throws {
            if let unknown = scopes.first(where: { !ServiceTokenStore.scopes.contains($0) }) { throw ValidationError("unknown scope '\(unknown)'") }
            do {
                print(try ServiceTokenStore(try options.connect()).create(name: name, scopes: Set(scopes)))
            } catch let error as PostgresError where error.sqlState == "23505" {
                throw ValidationError("a service token named '\(name)' exists (revoke it first, or pick another name)")
            } catch let error as PostgresError where error.sqlState == "23514" {
                throw ValidationError("the name must be 1 to 64 characters")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a service token at once.")
        @OptionGroup var options: ConfigOption
        @Option var name: String

        func run() throws {
            guard try ServiceTokenStore(try options.connect()).revoke(name: name) else { throw ValidationError("no live service token named '\(name)'") }
            print("revoked \(name)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List service tokens (names and scopes; never the tokens).")
        @OptionGroup var options: ConfigOption

        func run() throws {
            for token in try ServiceTokenStore(try options.connect()).list() {
                print("\(token.name)\t\(token.scopes)\t\(token.createdAt)\(token.revoked ? "\trevoked" : "")")
            }
        }
    }
}
