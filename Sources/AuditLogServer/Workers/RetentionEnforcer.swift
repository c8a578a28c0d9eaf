public import AuditLogCore
public import Logging
import Metrics
public import ServiceLifecycle

/// Applies every organization's retention policy now and then, for as long as the service
/// runs: a purge in small transactions (RetentionService), recorded in each organization's log.
///
/// Several replicas may run it at once: moving an organization's base takes its row's lock and
/// only ever moves forward, and deleting below it is idempotent.
public struct RetentionEnforcer: Service {
    let retention: RetentionService
    let interval: Duration
    let logger: Logger
    private let purged = Counter(label: "auditlogs_retention_purged_events_total")
    private let failed = Counter(label: "auditlogs_retention_failures_total")
    /// When a round last applied every policy.
    private let lastSuccess = Meter(label: "auditlogs_retention_round_last_success_timestamp_seconds")

    /// With a notary in `retention`, cuts are made only at signed checkpoints and are signed
    /// records themselves, witnessed as checkpoints are.
    public init(retention: RetentionService, interval: Duration, logger: Logger) {
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // A purge cut short at shutdown resumes at the next round.
        await repeatUntilShutdown(every: interval) { await applyPolicies() }
    }

    /// One round. A failure is logged and counted, and tried again next round.
    func applyPolicies() async {
        do {
            let results = try await retention.apply()
            lastSuccess.set(Double(Timestamp.now.milliseconds) / 1_000)
            for result in results where result.events > 0 {
                purged.increment(by: Int(result.events))
                logger.info(
                    "purged events past retention",
                    metadata: [
                        "audit.org": "\(result.organizationID)", "audit.events": "\(result.events)",
                        "audit.through": "\(result.purgedThrough)",
                    ])
            }
        } catch is CancellationError {
            return
        } catch {
            failed.increment()
            logger.warning("could not apply retention", metadata: ["audit.error": "\(error)"])
        }
    }
}

extension RetentionEnforcer: RedactedDescription {
    /// What ServiceLifecycle logs for it; the store it reaches is no business of a log line.
    public var shownFields: [(label: String, value: Any)] { [("interval", interval)] }
}
