import AuditLogCore

/// The body and headers of one delivery: a batch of events, in sequence order, written in the
/// stream's format and signed with its secret.
struct StreamPayload {
    var body: [UInt8]
    var headers: [(name: String, value: String)]

    init(stream: LogStream, events: [AuditEvent], time: Int64) {
        var body: [UInt8] = []
        switch stream.format {
        case .json:
            var json = JSONWriter(reservingCapacity: 1_024 * max(1, events.count))
            json.object { json in
                json.key("events")
                json.array(events.lazy.map(EventResource.init))
            }
            body = json.bytes
        case .splunkHEC:
            body = SplunkEnvelope.lines(events.map(EventResource.init), capacity: 1_024) { resource in
                SplunkEnvelope(
                    body: resource, fields: ["action": resource.event.action, "organization": resource.event.organizationID],
                    sourcetype: "auditlogs:event", time: resource.event.occurredAt)
            }
        case .datadog:
            var json = JSONWriter(reservingCapacity: 1_024 * max(1, events.count))
            json.array(events.lazy.map(DatadogEntry.init))
            body = json.bytes
        }
        self.init(stream: stream, body: body, time: time)
    }

    /// Signed records (checkpoints, retention cuts) of the organization's chain, in the order
    /// they were signed, each as the API shows it: in the `json` format
    /// `{"checkpoints": [...], "events": []}` (a receiver that reads only `events` takes it as
    /// an empty batch); for Splunk an event of sourcetype `auditlogs:checkpoint` each; for
    /// Datadog an entry with the record under `checkpoint`.
    init(stream: LogStream, records: [Checkpoint], time: Int64) {
        var body: [UInt8] = []
        switch stream.format {
        case .json:
            var json = JSONWriter(reservingCapacity: 512 * records.count)
            json.object { json in
                json.key("checkpoints")
                json.array(records)
                json.key("events")
                json.array([Checkpoint]())
            }
            body = json.bytes
        case .splunkHEC:
            body = SplunkEnvelope.lines(records, capacity: 600) { record in
                SplunkEnvelope(
                    body: record, fields: ["organization": record.organizationID], sourcetype: "auditlogs:checkpoint",
                    time: record.signedAt)
            }
        case .datadog:
            var json = JSONWriter(reservingCapacity: 600 * records.count)
            json.array(records.lazy.map(DatadogRecord.init))
            body = json.bytes
        }
        self.init(stream: stream, body: body, time: time)
    }

    /// A body with the stream's headers: its signature and the receiver's credential.
    private init(stream: LogStream, body: [UInt8], time: Int64) {
        self.body = body
        headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", "auditlogs-stream/1"),
            ("X-AuditLogs-Organization", stream.organizationID),
            ("X-AuditLogs-Stream", stream.id),
            (StreamSignature.headerName, StreamSignature.header(secret: stream.secret, time: time, body: body)),
        ]
        if let token = stream.token {
            switch stream.format {
            case .json: headers.append(("Authorization", "Bearer \(token)"))
            case .splunkHEC: headers.append(("Authorization", "Splunk \(token)"))
            case .datadog: headers.append(("DD-API-KEY", token))
            }
        }
    }

    /// A signed record as Datadog's logs intake takes it.
    struct DatadogRecord: JSONWritable {
        let record: Checkpoint

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("checkpoint", record)
                json.field("date", record.signedAt.rfc3339)
                json.field("ddsource", "auditlogs")
                json.field("ddtags", "organization:\(record.organizationID),record:\(record.type)")
                json.field(
                    "message",
                    "\(record.retentionCut == nil ? "Signed checkpoint" : "Signed retention cut") of \(record.organizationID) at sequence \(record.sequence)"
                )
                json.field("service", "audit-logs")
            }
        }
    }

    /// What Splunk's HTTP Event Collector takes: the body under `event`, indexed fields, where it
    /// came from, a sourcetype that keeps events and signed records apart, and its time in seconds.
    struct SplunkEnvelope<Body: JSONWritable>: JSONWritable {
        let body: Body
        let fields: KeyValuePairs<StaticString, String>
        let sourcetype: String
        let time: Timestamp

        /// The collector takes envelopes one after the other, a line each, not in an array.
        static func lines(_ bodies: [Body], capacity: Int, _ envelope: (Body) -> Self) -> [UInt8] {
            var lines: [UInt8] = []
            for body in bodies {
                if !lines.isEmpty { lines.append(UInt8(ascii: "\n")) }
                var json = JSONWriter(reservingCapacity: capacity)
                envelope(body).write(to: &json)
                lines += json.bytes
            }
            return lines
        }

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("event", body)
                json.key("fields")
                json.object { json in
                    for (name, value) in fields { json.field(name, value) }
                }
                json.field("source", "auditlogs")
                json.field("sourcetype", sourcetype)
                json.key("time")
                json.number(Double(time.milliseconds) / 1_000)
            }
        }
    }

    /// An event as Datadog's logs intake takes it: the Details as the message, the time as its
    /// `date`, tags to facet on, and the event itself under `audit`.
    struct DatadogEntry: JSONWritable {
        let event: AuditEvent

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("audit", EventResource(event: event))
                json.field("date", event.occurredAt.rfc3339)
                json.field("ddsource", "auditlogs")
                json.field("ddtags", "organization:\(event.organizationID),action:\(event.action)")
                json.field("message", event.details)
                json.field("service", "audit-logs")
            }
        }
    }
}
