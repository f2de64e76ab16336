import Foundation

/// A user as the account-state check sees them: id, state, stored roles and profile.
public struct Account: Sendable, Equatable {
    public let id: Int64
    public let deactivated: Bool
    /// Roles given by the service API or messaging-admin (token roles are added per request).
    public let roles: Set<String>
    public let profile: ProfileClaims
    /// Until when moderators suspended the account (nil: not suspended); past times no longer count.
    public var suspendedUntil: Date? = nil
}

/// Whether an account may act. The one place that decides it, for REST (401 with the reason's
/// code) and WebSocket (accept, then close with its code): deactivation, then a moderator's
/// suspension, which lifts by itself once `now` passes its end (a cached account needs no update).
public enum AccountState {
    public static func check(_ account: Account, now: Date = Date()) -> TokenRejection? {
        if account.deactivated { return .deactivated }
        if let until = account.suspendedUntil, until > now { return .suspended(until: until) }
        return nil
    }
}

/// Who is calling: the verified user and their roles (stored ones plus the token's).
public struct Caller: Sendable, Equatable {
    public let userId: Int64
    public let roles: Set<String>

    public init(userId: Int64, roles: Set<String>) {
        self.userId = userId
        self.roles = roles
    }
}
