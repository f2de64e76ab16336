import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the platform publishes its keys: a JWKS file, or an https URL (plain http only to a
/// loopback host, e.g. a local sidecar or the test stack). Fetched with Foundation's URLSession,
/// which ships with the Swift toolchain on Linux (FoundationNetworking, over libcurl): a fetch
/// happens at start and on a key change, rarely enough that a blocking call with a timeout is
/// the simplest correct thing, and it adds no package to build (async-http-client would add
/// swift-nio-ssl and several minutes of build for one GET every few minutes).
public enum JWKSSource: Sendable, Equatable {
    case file(String)
    case url(URL)

    /// Largest JWKS document accepted.
    static let maxBytes = 1 << 20
    static let timeoutSeconds = 5.0

    /// Parses the `jwks` configuration value; nil with a reason when it is unusable.
    public static func parse(_ text: String) -> Result<JWKSSource, Configuration.Invalid> {
        let invalid = { (problem: String) in Result<JWKSSource, Configuration.Invalid>.failure(Configuration.Invalid(key: "jwks", problem: problem)) }
        if text.hasPrefix("https://") || text.hasPrefix("http://") {
            guard let url = URL(string: text), let host = url.host, !host.isEmpty else { return invalid("'\(text)' is not a URL") }
            if url.scheme == "http" && !["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) {
                return invalid("plain http is accepted only for a loopback host; use https")
            }
            return .success(.url(url))
        }
        guard text.hasPrefix("/") else { return invalid("expected an absolute file path or an https URL") }
        return .success(.file(text))
    }

    /// The document, or a reason (without its content) why it could not be read.
    func read() -> Result<String, JWKSReadError> {
        switch self {
        case let .file(path):
            guard let data = FileManager.default.contents(atPath: path) else { return .failure(.init(reason: "cannot read the file")) }
            guard data.count <= JWKSSource.maxBytes else { return .failure(.init(reason: "the file is larger than 1 MiB")) }
            guard let text = String(data: data, encoding: .utf8) else { return .failure(.init(reason: "the file is not UTF-8")) }
            return .success(text)
        case let .url(url):
            return JWKSSource.fetch(url)
        }
    }

    /// The file's modification time (a cheap check before re-reading it); nil for a URL.
    func modificationDate() -> Date? {
        guard case let .file(path) = self else { return nil }
        return (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    private static func fetch(_ url: URL) -> Result<String, JWKSReadError> {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: url)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let outcome = FetchOutcome()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            if let error {
                outcome.result = .failure(.init(reason: "fetch failed: \(type(of: error)) \((error as NSError).code)"))
            } else if let status = (response as? HTTPURLResponse)?.statusCode, status != 200 {
                outcome.result = .failure(.init(reason: "HTTP status \(status)"))
            } else if let data, data.count <= maxBytes, let text = String(data: data, encoding: .utf8) {
                outcome.result = .success(text)
            } else {
                outcome.result = .failure(.init(reason: "the response is empty, too large or not UTF-8"))
            }
            done.signal()
        }.resume()
        if done.wait(timeout: .now() + timeoutSeconds + 1) == .timedOut {
            return .failure(.init(reason: "fetch timed out"))
        }
        return outcome.result ?? .failure(.init(reason: "fetch failed"))
    }
}

public struct JWKSReadError: Error, Sendable {
    public let reason: String
}

private final class FetchOutcome: @unchecked Sendable {  // written by the URLSession callback before the semaphore is signalled, read after the wait
    var result: Result<String, JWKSReadError>?
}
