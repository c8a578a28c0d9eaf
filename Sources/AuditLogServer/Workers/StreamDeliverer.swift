public import AuditLogCore
import Foundation
public import Logging
public import ServiceLifecycle

/// Delivers every organization's log streams, for as long as the service runs.
///
/// Each replica takes the streams whose lease is free or expired (`StreamStore`), and delivers
/// each in a task of its own: it reads the events after the stream's cursor in sequence order,
/// posts them in batches of at most `batchSize`, signed, and moves the cursor once the receiver
/// answers 2xx. A failure is recorded as the stream's last error and retried with exponential
/// backoff and jitter, honouring `Retry-After`; nothing is skipped, so delivery is in order and
/// at least once (a batch accepted just before a crash is sent again after it).
///
/// What is read and recorded, and when, is `StreamDeliveryService`'s (AuditLogCore); this type
/// schedules it and talks HTTP.
public struct StreamDeliverer: Service {
    let streams: StreamDeliveryService
    let configuration: StreamDeliveryConfiguration
    let logger: Logger
    /// This process's name in leases.
    var holder: String { streams.holder }

    public init(
        store: any AuditLogStore,
        configuration: StreamDeliveryConfiguration = StreamDeliveryConfiguration(),
        logger: Logger,
        holder: String,
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.streams = StreamDeliveryService(
            store: store, holder: holder, credentialKey: configuration.credentialKey,
            previousCredentialKeys: configuration.previousCredentialKeys, leaseDuration: configuration.leaseDuration, now: now)
        self.configuration = configuration
        self.logger = logger
    }

    /// A replica's name in leases: its host and port. A replica restarted after a crash takes
    /// its streams back at once instead of waiting for its old leases to expire; two live
    /// replicas never share a name, since they cannot listen on one host's port both.
    public static func holderName(port: Int) -> String {
        "\(ProcessInfo.processInfo.hostName):\(port)"
    }

    public func run() async throws {
        // On graceful shutdown each stream finishes the request it has in flight (at most
        // `requestTimeout`) and records it, then the leases are given up so that another
        // replica takes the streams at once. Cancelled instead (the shutdown timeout passed),
        // requests are abandoned and the leases left to expire: a receiver may still be
        // handling an abandoned batch, which another replica must not overlap. Either way
        // nothing is lost: what was not recorded is sent again (at least once).
        let stop = StopSignal()
        await withGracefulShutdownHandler {
            await deliverAll(until: stop)
        } onGracefulShutdown: {
            stop.set()
        }
        guard !Task.isCancelled else { return }
        do {
            try await streams.releaseLeases()
        } catch {
            logger.warning("could not release stream leases", metadata: ["audit.error": "\(error)"])
        }
    }

    /// Takes free streams every `claimInterval` and runs a delivery task for each new one,
    /// until `stop` is set (and every task has finished its request) or the task is cancelled.
    func deliverAll(until stop: StopSignal) async {
        let active = ActiveStreams()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !stop.isSet {
                do {
                    for stored in try await streams.leaseFreeStreams() where active.insert(stored.id) {
                        group.addTask {
                            var logger = self.logger
                            logger[metadataKey: "audit.stream"] = "\(stored.id)"
                            logger[metadataKey: "audit.org"] = "\(stored.organizationID)"
                            if let stream = await streams.openCredentials(of: stored, logger: logger) {
                                await StreamDelivery(stream: stream, deliverer: self, stop: stop).run()
                            }
                            active.remove(stored.id)
                        }
                    }
                } catch {
                    logger.warning("could not lease log streams", metadata: ["audit.error": "\(error)"])
                }
                await stop.wait(upTo: configuration.claimInterval)
            }
        }
    }
}
