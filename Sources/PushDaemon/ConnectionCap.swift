/// The per-user connection cap (`push_max_connections_per_user`): admitting a connection beyond
/// it closes the user's oldest one on this daemon with this code. Clients must not reconnect
/// on it by themselves (that would take the connection of the device that replaced them).
enum ConnectionCap {
    static let closeCode: UInt16 = 4008
    static let reason = "too_many_connections"
}
