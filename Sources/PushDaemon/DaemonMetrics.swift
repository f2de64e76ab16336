import MessagingCore
import Observability

/// The daemon's one metrics registry, reachable from the event loops and the listener thread
/// (PushMetrics is thread-safe); served on `push_metrics_listen` by main.
enum DaemonMetrics {
    static let shared = PushMetrics()
}
