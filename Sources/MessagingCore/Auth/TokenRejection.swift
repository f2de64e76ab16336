import Foundation

/// Why a request's credentials were refused: a stable code for REST (always 401) and the
/// WebSocket close code a browser can read (an upgrade cannot show it an HTTP status). Messages
/// name the rule, never the key or anything from the token.
public enum TokenRejection: Error, Equatable, Sendable {
    case missing
    case malformed
    case unknownKey
    case wrongAlgorithm
    case badSignature
    case expired
    case notYetValid
    case missingExpiry
    case wrongIssuer
    case wrongAudience
    case invalidSubject
    case unknownUser
    case deactivated
    /// Suspended by a moderator until then (the token is fine; a new one would not help).
    case suspended(until: Date)

    public var code: String {
        switch self {
        case .missing: "token_missing"
        case .malformed: "token_malformed"
        case .unknownKey: "unknown_key"
        case .wrongAlgorithm: "wrong_algorithm"
        case .badSignature: "bad_signature"
        case .expired: "token_expired"
        case .notYetValid: "token_not_yet_valid"
        case .missingExpiry: "token_missing_expiry"
        case .wrongIssuer: "wrong_issuer"
        case .wrongAudience: "wrong_audience"
        case .invalidSubject: "invalid_subject"
        case .unknownUser: "unknown_user"
        case .deactivated: "account_deactivated"
        case .suspended: TokenRejection.suspendedCode
        }
    }

    public var message: String {
        switch self {
        case .missing: "A bearer token is required."
        case .malformed: "The token is not a well-formed JWT."
        case .unknownKey: "The token is signed with a key this server does not know."
        case .wrongAlgorithm: "The token's algorithm is not the one configured for its key."
        case .badSignature: "The token's signature does not verify."
        case .expired: "The token has expired; get a fresh one."
        case .notYetValid: "The token is not valid yet (nbf)."
        case .missingExpiry: "The token has no expiry (exp)."
        case .wrongIssuer: "The token's issuer (iss) is not accepted."
        case .wrongAudience: "The token is not meant for this service (aud)."
        case .invalidSubject: "The token's subject (sub) is not a valid user reference."
        case .unknownUser: "The token's user is not known here."
        case .deactivated: "This account is deactivated."
        case let .suspended(until): "This account is suspended until \(ISO8601DateFormatter().string(from: until))."
        }
    }

    /// WebSocket close codes (docs/PUSH_PROTOCOL.md): 4002 expired (get a fresh token, do not
    /// retry the same one), 4003 deactivated (do not reconnect), 4004 suspended (do not reconnect
    /// before the suspension ends), 4001 every other refusal.
    public var closeCode: UInt16 {
        switch self {
        case .expired: 4002
        case .deactivated: 4003
        case .suspended: TokenRejection.suspendedCloseCode
        default: 4001
        }
    }

    /// The close code and reason of a suspension, for sessions closed when it is read from the log.
    public static let suspendedCloseCode: UInt16 = 4004
    public static let suspendedCode = "account_suspended"
}
