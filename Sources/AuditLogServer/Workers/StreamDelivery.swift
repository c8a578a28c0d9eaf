import AsyncHTTPClient
import AuditLogCore
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1

/// One stream's delivery, by the replica that holds its lease, until the lease is lost, the
/// stream removed, or the task cancelled.
struct StreamDelivery {
    let stream: LogStream
    let deliverer: StreamDeliverer
    private var configuration: StreamDeliveryConfiguration { deliverer.configuration }
    private var logger: Logger { deliverer.logger }

    private static let delivered = Counter(label: "auditlogs_stream_events_delivered_total")
    private static let failures = Counter(label: "auditlogs_stream_delivery_failures_total")
    private static let witnessed = Counter(label: "auditlogs_stream_records_witnessed_total")
    /// How long the oldest event of each accepted batch waited between its receipt and its
    /// delivery: how far behind the streams run.
    private static let lag = Recorder(label: "auditlogs_stream_lag_seconds")

    /// What a request came to.
    enum Outcome {
        case accepted
        case failed(StreamDeliveryFailure)
    }

    let stop: StopSignal

    init(stream: LogStream, deliverer: StreamDeliverer, stop: StopSignal = StopSignal()) {
        self.stream = stream
        self.deliverer = deliverer
        self.stop = stop
    }

    func run() async {
        var logger = self.logger
        logger[metadataKey: "audit.stream"] = "\(stream.id)"
        logger[metadataKey: "audit.org"] = "\(stream.organizationID)"
        var client = PinnedClient(allowPrivate: configuration.allowPrivate)
        await deliver(with: &client, logger: logger)
        await client.shutdown()
    }

    private func deliver(with client: inout PinnedClient, logger: Logger) async {
        let streams = deliverer.streams
        var position = StreamPosition(of: stream)
        var failuresInARow = 0
        var renewedAt = ContinuousClock.now
        var commits = CommitWatch(streams.commits, organizationID: stream.organizationID, poll: configuration.pollInterval)
        do {
            while !Task.isCancelled && !stop.isSet {
                // An idle stream renews its lease now and then; one about to send, always.
                if ContinuousClock.now - renewedAt > configuration.leaseDuration / 3 {
                    guard try await streams.renewLease(of: stream.id) else { return }
                    renewedAt = .now
                }
                commits.reading()
                guard let batch = try await streams.nextBatch(of: stream, at: position, limit: configuration.batchSize) else {
                    await commits.waitAfterEmptyRead(upTo: configuration.pollInterval) { [stop] in stop.isSet }
                    continue
                }
                guard try await streams.renewLease(of: stream.id) else { return }
                renewedAt = .now
                let outcome = await send(payload(batch), with: &client)
                // Cancelled mid-request: whatever the receiver did, the batch is sent again by
                // whoever delivers next.
                guard !Task.isCancelled else { return }
                switch outcome {
                case .accepted:
                    guard let next = try await streams.recordAccepted(batch, of: stream.id, at: position) else { return }
                    position = next
                    switch batch.content {
                    case .records:
                        Self.witnessed.increment(by: batch.count)
                    case .events(let events):
                        Self.delivered.increment(by: batch.count)
                        if let oldest = events.first {
                            Self.lag.record(Double(streams.now().milliseconds - oldest.receivedAt.milliseconds) / 1_000)
                        }
                    }
                    failuresInARow = 0
                case .failed(let failure):
                    Self.failures.increment()
                    failuresInARow += 1
                    // The detail (address, the receiver's first bytes) is the operator's; the
                    // organization's admins read the summary only.
                    logger.warning(
                        "log stream delivery failed",
                        metadata: ["audit.error": "\(failure.detail)", "audit.failures": "\(failuresInARow)"])
                    guard try await streams.recordFailure(of: stream.id, summary: failure.summary) else { return }
                    let delay = configuration.backoff.delay(after: failuresInARow, retryAfter: failure.retryAfter)
                    guard try await rest(for: delay, renewedAt: &renewedAt) else { return }
                }
            }
        } catch {
            // The database failed (reading events or recording): the lease runs out and this
            // replica, or another, takes the stream again.
            if !(error is CancellationError) {
                logger.warning("log stream delivery stopped", metadata: ["audit.error": "\(error)"])
            }
        }
    }

    /// Waits `delay` (less on shutdown), renewing the lease meanwhile; false when it was lost.
    private func rest(for delay: Duration, renewedAt: inout ContinuousClock.Instant) async throws -> Bool {
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end && !stop.isSet && !Task.isCancelled {
            await stop.wait(upTo: min(end - .now, configuration.leaseDuration / 3))
            if ContinuousClock.now - renewedAt > configuration.leaseDuration / 3 {
                guard try await deliverer.streams.renewLease(of: stream.id) else { return false }
                renewedAt = .now
            }
        }
        return true
    }

    /// The request that carries `batch`, signed.
    private func payload(_ batch: StreamBatch) -> StreamPayload {
        let time = deliverer.streams.now().milliseconds / 1_000
        switch batch.content {
        case .records(let records): return StreamPayload(stream: stream, records: records, time: time)
        case .events(let events): return StreamPayload(stream: stream, events: events, time: time)
        }
    }

    /// Posts one batch; never throws: every failure is an outcome to record and retry.
    private func send(_ payload: StreamPayload, with client: inout PinnedClient) async -> Outcome {
        do {
            guard let host = URLComponents(string: stream.url)?.host else { return .failed(.noHost) }
            let http = try await client.client(for: host)
            var request = HTTPClientRequest(url: stream.url)
            request.method = .POST
            for header in payload.headers { request.headers.add(name: header.name, value: header.value) }
            request.body = .bytes(ByteBuffer(bytes: payload.body))
            let response = try await http.execute(request, timeout: .init(configuration.requestTimeout))
            var answer: [UInt8] = []
            let kept = StreamDeliveryFailure.answerBytesLogged + StreamRequest.tokenBytes.upperBound
            for try await chunk in response.body where answer.count < kept {
                answer += chunk.readableBytesView.prefix(kept - answer.count)
            }
            if (200..<300).contains(response.status.code) { return .accepted }
            // A receiver may echo the request's secret or token back in its complaint: both are
            // taken out of what was read (more than the log keeps, so that none is cut in two
            // at the end) before the log sees it.
            let redacted = Array(stream.redactingCredentials(in: String(decoding: answer, as: UTF8.self)).utf8)
            return .failed(
                .answered(
                    Int(response.status.code), body: redacted, retryAfter: Backoff.retryAfter(response.headers.first(name: "Retry-After")),
                    by: StreamDeliveryFailure.receiver(url: stream.url, address: client.address)))
        } catch let refused as StreamDestination.Refused {
            return .failed(.refused(refused))
        } catch {
            return .failed(.unanswered(error, by: StreamDeliveryFailure.receiver(url: stream.url, address: client.address)))
        }
    }
}
