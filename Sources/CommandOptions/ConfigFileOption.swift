import ArgumentParser
import MessagingCore

/// `--config PATH` as every executable takes it. Without it: $MESSAGING_CONFIG, else the dev
/// stack's var/dev/messaging.conf when present, else defaults and MESSAGING_* variables only
/// (`Configuration.locate`).
public struct ConfigFileOption: ParsableArguments {
    @Option(help: "Configuration file (default: $MESSAGING_CONFIG, else var/dev/messaging.conf when present).")
    public var config: String?

    public init() {}

    /// The file that is read; nil when none is.
    public var path: String? { Configuration.locate(explicit: config) }

    public func load() throws -> Configuration {
        try Configuration.load(path: path)
    }
}
