import Foundation

/// How a stream's batches are written, for the receiver it points at.
public enum StreamFormat: String, Sendable, Hashable, CaseIterable {
    /// `{"events": [...]}`: our events as the API writes them, each with its `sequence`.
    case json
    /// Splunk's HTTP Event Collector (`/services/collector/event`): one `{"time", "event", ...}`
    /// object per event, the stream's token sent as `Authorization: Splunk <token>`.
    case splunkHEC = "splunk_hec"
    /// Datadog's logs intake (`/api/v2/logs`): a JSON array of log entries, the stream's token
    /// sent as `DD-API-KEY`.
    case datadog
}

/// An organization's log stream: where its events are pushed, and how far they have gone.
///
/// The secret signs every request (`StreamSignature`). Unlike credentials, which are stored
/// hashed, it cannot be: signing needs the key itself, as with any webhook secret. With a
/// stream credential key (`StreamCredentialKey`) it is stored encrypted, and so is the token;
/// without one, as it is. It is shown once, when the stream is created, and never listed.
public struct LogStream: Sendable, Hashable {
    public var id: String
    public var organizationID: String
    public var url: String
    public var format: StreamFormat
    public var secret: String
    /// The receiver's own credential (a Splunk HEC token, a Datadog API key), when its format
    /// needs one. Stored and never listed, like the secret.
    public var token: String?
    public var createdAt: Timestamp
    /// Every event up to this sequence was accepted by the receiver.
    public var deliveredThrough: Int64
    public var lastSuccessAt: Timestamp?
    public var lastError: String?
    public var lastErrorAt: Timestamp?
    /// Every signed record (checkpoint, retention cut) of the organization's chain up to this
    /// position was accepted by the receiver: the stream witnesses them outside the database.
    public var recordsThrough: Int64

    public init(
        id: String, organizationID: String, url: String, format: StreamFormat, secret: String, token: String? = nil,
        createdAt: Timestamp, deliveredThrough: Int64 = 0, lastSuccessAt: Timestamp? = nil, lastError: String? = nil,
        lastErrorAt: Timestamp? = nil, recordsThrough: Int64 = 0
    ) {
        self.recordsThrough = recordsThrough
        self.id = id
        self.organizationID = organizationID
        self.url = url
        self.format = format
        self.secret = secret
        self.token = token
        self.createdAt = createdAt
        self.deliveredThrough = deliveredThrough
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
    }

    /// The destination's host, as audit records and messages name it (never its path or query,
    /// which may hold a credential).
    public var host: String { URLComponents(string: url)?.host ?? "" }

    /// `text` with the stream's secret and token replaced by `<redacted>`, matched byte for
    /// byte: a receiver's error answer may echo the request's credentials back, and it is
    /// logged and kept as the stream's last error.
    public func redactingCredentials(in text: String) -> String {
        var bytes = Array(text.utf8)
        for credential in [secret, token].compactMap({ $0 }).map({ Array($0.utf8) }) where !credential.isEmpty {
            var index = 0
            var kept: [UInt8] = []
            kept.reserveCapacity(bytes.count)
            while index < bytes.count {
                if bytes.count - index >= credential.count, bytes[index..<index + credential.count].elementsEqual(credential) {
                    kept += Array(Redaction().description.utf8)
                    index += credential.count
                } else {
                    kept.append(bytes[index])
                    index += 1
                }
            }
            bytes = kept
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension LogStream: RedactedDescription {
    /// Never the secret or the token, nor the URL's path and query (which may hold a
    /// credential): its host.
    public var shownFields: [(label: String, value: Any)] {
        [
            ("id", id), ("organizationID", organizationID), ("host", host), ("format", format.rawValue), ("secret", Redaction()),
            ("token", Redaction.ifPresent(token) as Any), ("createdAt", createdAt), ("deliveredThrough", deliveredThrough),
            ("lastSuccessAt", lastSuccessAt as Any), ("lastError", lastError as Any), ("lastErrorAt", lastErrorAt as Any),
        ]
    }
}

/// A stream as `stream list` and the API show it.
public struct LogStreamStatus: Sendable, Hashable {
    public var stream: LogStream
    /// Events stored and not yet accepted by the receiver.
    public var lag: Int64

    public init(stream: LogStream, lag: Int64) {
        self.stream = stream
        self.lag = lag
    }
}

extension AuditLogError {
    /// The organization has as many streams as it may.
    public static func tooManyStreams(_ maximum: Int) -> Self {
        AuditLogError(
            .conflict, code: "too_many_streams", message: "The organization has \(maximum) streams already; remove one first.")
    }
}
