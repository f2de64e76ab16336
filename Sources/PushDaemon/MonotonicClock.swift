import Dispatch

/// Monotonic nanoseconds (CLOCK_MONOTONIC). Not `Clock`: that name is the standard library's
/// clock protocol.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        UInt64(DispatchTime.now().uptimeNanoseconds)
    }
}
