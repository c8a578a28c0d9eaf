import Foundation

/// Latencies of one workload and what they add up to.
public struct Latencies: Sendable {
    public private(set) var samples: [Duration] = []
    /// Requests that got an unexpected answer.
    public var failures = 0
    /// The wall time the workload ran.
    public var elapsed: Duration = .zero

    public init() {}

    mutating func add(_ sample: Duration) { samples.append(sample) }

    mutating func merge(_ other: Latencies) {
        samples += other.samples
        failures += other.failures
    }

    /// The `fraction` percentile (0.5, 0.95, 0.99), in milliseconds; exact, from every sample.
    public func percentile(_ fraction: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))
        return sorted[index].milliseconds
    }

    /// Completed requests a second.
    public var throughput: Double {
        elapsed > .zero ? Double(samples.count) / elapsed.seconds : .nan
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1_000 }
}

/// Times `body`.
func measure<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    return (value, clock.now - start)
}

/// One line of the report: a workload's figures, its baseline, and how they compare.
public struct BenchResult: Sendable, Codable {
    public var workload: String
    public var p50: Double?
    public var p95: Double?
    public var p99: Double?
    /// Requests (or events, for ingestion) a second.
    public var throughput: Double?
    public var unit: String
    /// What the same work costs without the service, in the same unit as the figure it is
    /// compared with (a latency in ms, or a throughput).
    public var baseline: Double?
    public var baselineName: String?
    /// figure ÷ baseline: for latencies above 1 is slower; for throughputs below 1 is slower.
    public var ratio: Double?
    public var target: String?
    public var failures: Int

    init(
        _ workload: String, _ latencies: Latencies? = nil, throughput: Double? = nil, unit: String = "req/s",
        baseline: Double? = nil, baselineName: String? = nil, ratio: Double? = nil, target: String? = nil
    ) {
        // A figure that could not be measured (no sample) is absent from the report, not NaN,
        // which JSON cannot hold.
        func figure(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
        self.workload = workload
        self.p50 = figure(latencies.map { $0.percentile(0.5) })
        self.p95 = figure(latencies.map { $0.percentile(0.95) })
        self.p99 = figure(latencies.map { $0.percentile(0.99) })
        self.throughput = figure(throughput ?? latencies.map(\.throughput))
        self.unit = unit
        self.baseline = figure(baseline)
        self.baselineName = baselineName
        self.ratio = figure(ratio)
        self.target = target
        self.failures = latencies?.failures ?? 0
    }
}
