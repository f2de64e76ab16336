import Prometheus

/// Every metric the pool and the daemon export, in one place so names, help texts and buckets
/// cannot drift between the two processes (docs/DEPLOY.md lists the same names).
///
/// Pool (`fcgi-app` supervisor, `metrics_listen`):
///   messaging_fcgi_requests_total{route,status}          counter
///   messaging_fcgi_request_duration_seconds{route}       histogram
///   messaging_fcgi_threads{state="busy"|"idle"}           gauge, summed over worker processes
///   messaging_fcgi_worker_processes{state="serving"|"draining"}  gauge
///   messaging_fcgi_worker_restarts_total{reason="crash"|"recycle"}  counter
///   messaging_fcgi_reloads_total                          counter
///   messaging_fcgi_send_batches_total{outcome="together"|"one_by_one"}  counter (group commits of 2+ sends)
///   messaging_fcgi_batched_sends_total                    counter (sends stored in a group commit)
/// Daemon (`push-daemon`, `push_metrics_listen`):
///   messaging_push_connected_clients                      gauge
///   messaging_push_frames_sent_total                      counter
///   messaging_push_delivery_lag_seconds                   histogram (event commit -> frame written)
///   messaging_push_listener_reconnects_total              counter
/// Both:
///   messaging_postgres_errors_total{kind="connection"|"timeout"|"statement"}  counter
///   messaging_postgres_reconnects_total                   counter
///   messaging_hook_errors_total{kind="runtime"|"memory"|"malformed"|"suspended",function}  counter
///   messaging_hook_timeouts_total{function}              counter (budget or time limit spent)
public enum MetricCatalog {
    static func name(_ subsystem: String, _ metric: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "messaging", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }

    // The pool.
    public static var fcgiRequests: MetricNameDescriptor { name("fcgi", "requests", unit: "total", "FastCGI requests answered, by route and HTTP status.") }
    public static var fcgiRequestDuration: MetricNameDescriptor { name("fcgi", "request_duration", unit: "seconds", "Time from accept to finish of a FastCGI request, by route.") }
    public static var fcgiThreads: MetricNameDescriptor { name("fcgi", "threads", unit: "", "Worker threads of the pool by state (busy: serving a request).") }
    public static var fcgiWorkerProcesses: MetricNameDescriptor { name("fcgi", "worker_processes", unit: "", "Worker processes (draining: replaced by a reload, finishing in-flight requests).") }
    public static var fcgiWorkerRestarts: MetricNameDescriptor { name("fcgi", "worker_restarts", unit: "total", "Worker processes replaced (crash: died or killed; recycle: fcgi_max_requests reached).") }
    public static var fcgiReloads: MetricNameDescriptor { name("fcgi", "reloads", unit: "total", "Graceful reloads (SIGHUP) of the pool.") }
    public static var fcgiSendBatches: MetricNameDescriptor { name("fcgi", "send_batches", unit: "total", "Group commits of two or more sends (one_by_one: refused by the database, so each send was stored alone).") }
    public static var fcgiBatchedSends: MetricNameDescriptor { name("fcgi", "batched_sends", unit: "total", "Sends stored in a group commit with other sends.") }

    // The push daemon.
    public static var pushConnectedClients: MetricNameDescriptor { name("push", "connected_clients", unit: "", "Open WebSocket connections.") }
    public static var pushFramesSent: MetricNameDescriptor { name("push", "frames_sent", unit: "total", "Event frames written to clients.") }
    public static var pushDeliveryLag: MetricNameDescriptor { name("push", "delivery_lag", unit: "seconds", "Time from an event's commit to its frame being written to a client.") }
    public static var pushListenerReconnects: MetricNameDescriptor { name("push", "listener_reconnects", unit: "total", "Times the event listener reconnected to PostgreSQL and LISTENed again.") }

    // Both.
    public static var postgresErrors: MetricNameDescriptor { name("postgres", "errors", unit: "total", "PostgreSQL failures (connection: down or unreachable; timeout: statement_timeout; statement: unexpected SQLSTATE).") }
    public static var postgresReconnects: MetricNameDescriptor { name("postgres", "reconnects", unit: "total", "Connections re-established after PostgreSQL went away.") }
    public static var hookErrors: MetricNameDescriptor { name("hook", "errors", unit: "total", "H2AC hook calls that failed or were skipped (suspended after repeated overruns) and used the built-in default, by kind and hook function (script.function).") }
    public static var hookTimeouts: MetricNameDescriptor { name("hook", "timeouts", unit: "total", "H2AC hook calls stopped by the budget or the time limit (the built-in default was used), by hook function.") }

    /// Request latency buckets: a REST call is milliseconds; the top buckets catch lock waits.
    public static let requestDurationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Delivery lag buckets, seconds: NOTIFY wake-ups land in the first ones, the 1 s poll fallback later.
    public static let deliveryLagBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
}
