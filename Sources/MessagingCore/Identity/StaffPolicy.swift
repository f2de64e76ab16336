/// The one notion of staff for every staff-only endpoint (hook status, hook previews): a user
/// listed in `staff_user_ids`, or one whose verified roles include `staff`.
public struct StaffPolicy: Sendable {
    public let staffUserIds: Set<Int64>

    public init(staffUserIds: Set<Int64>) { self.staffUserIds = staffUserIds }

    public func isStaff(userId: Int64, roles: Set<String> = []) -> Bool {
        staffUserIds.contains(userId) || roles.contains("staff")
    }
}
