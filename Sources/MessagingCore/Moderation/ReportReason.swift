/// Why a member reports a message: the `reason` of `POST /api/messages/:id/report`, stored as
/// is (message_reports.reason has the same list).
public enum ReportReason: String, CaseIterable, Sendable {
    case spam
    case harassment
    case hate
    case violence
    case sexual
    case selfHarm = "self_harm"
    case other

    /// The longest note a report may carry, in characters.
    public static let maxNoteCharacters = 1000
}
