public import Metrics
public import Prometheus

/// Every metric the service exports on the operator port, named by Prometheus's conventions
/// (`_total` on counters, base units in the name) and described by a `# HELP` line, so that
/// `promtool check metrics` finds nothing to say.
///
/// The code counts with swift-metrics (`Counter(label:)`, Hummingbird's request metrics); this
/// factory turns those labels into these names and help texts as it registers them with the
/// Prometheus registry that `/metrics` prints.
public struct ServiceMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Hummingbird's request metrics, renamed: its counters lack `_total`, its duration the unit.
    static let renamed: [String: String] = [
        "hb.requests": "http_server_requests_total",
        "hb.request.errors": "http_server_request_errors_total",
        "http.server.request.duration": "http_server_request_duration_seconds",
        "http.server.active_requests": "http_server_active_requests",
    ]

    /// What each metric counts, as its `# HELP` line says.
    static let help: [String: String] = [
        "http_server_requests_total": "HTTP requests answered, by route, method and status.",
        "http_server_request_errors_total": "HTTP requests whose handler failed past every middleware; errors are answered as JSON, so this stays 0.",
        "http_server_request_duration_seconds": "Time from a request's arrival to its answer's last byte, by route, method and status.",
        "http_server_active_requests": "HTTP requests being answered now, by method.",
        "auditlogs_events_ingested_total": "Events stored by ingestion; a retried event id counts once.",
        "auditlogs_events_duplicate_total": "Events sent again with an id already stored, which stored nothing.",
        "auditlogs_checkpoints_signed_total": "Signed checkpoints taken by the background signer.",
        "auditlogs_checkpoint_failures_total": "Rounds of the background signer that failed for an organization.",
        "auditlogs_checkpoint_witness_failures_total": "Signed records a witness (checkpoint log, log stream) could not take.",
        "auditlogs_chain_mismatches_total": "Times the signer found a stored chain that does not hold, and signed nothing.",
        "auditlogs_retention_purged_events_total": "Events purged past their organization's retention.",
        "auditlogs_retention_failures_total": "Rounds of the retention purge that failed.",
        "auditlogs_stream_events_delivered_total": "Events a log stream's receiver accepted.",
        "auditlogs_stream_records_witnessed_total": "Signed records a log stream's receiver accepted.",
        "auditlogs_stream_delivery_failures_total": "Log stream requests that failed: refused, unanswered or answered with an error.",
        "auditlogs_sign_in_throttled_total": "Sign-in attempts refused with 429 by the throttle.",
        "auditlogs_stream_lag_seconds": "How long the oldest event of each batch a receiver accepted had waited since its receipt.",
        "auditlogs_checkpoint_round_last_success_timestamp_seconds":
            "When the background signer last signed every organization due (Unix time); time() minus it bounds the newest checkpoints' age.",
        "auditlogs_retention_round_last_success_timestamp_seconds": "When the retention purge last applied every policy (Unix time).",
    ]

    /// Buckets for durations: 1 ms to 10 s.
    static let durationBuckets: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000].map {
        .microseconds(Int64($0 * 1_000))
    }

    /// Buckets for values in seconds that may grow far (a stream behind by an outage): 50 ms to
    /// an hour.
    static let lagBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3_600]

    static func descriptor(_ label: String) -> MetricNameDescriptor {
        let name = renamed[label] ?? label.replacingDots()
        return MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? name.replacingUnderscores())
    }

    static func sanitized(_ dimensions: [(String, String)]) -> [(String, String)] {
        dimensions.map { ($0.0.replacingDots(), $0.1) }
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: Self.sanitized(dimensions))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: Self.sanitized(dimensions))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let descriptor = Self.descriptor(label)
        guard aggregate else { return registry.makeGauge(descriptor: descriptor, labels: Self.sanitized(dimensions)) }
        return registry.makeValueHistogram(descriptor: descriptor, labels: Self.sanitized(dimensions), buckets: Self.lagBuckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: Self.descriptor(label), labels: Self.sanitized(dimensions))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(
            descriptor: Self.descriptor(label), labels: Self.sanitized(dimensions), buckets: Self.durationBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

extension String {
    fileprivate func replacingDots() -> String { String(map { $0 == "." ? "_" : $0 }) }
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
