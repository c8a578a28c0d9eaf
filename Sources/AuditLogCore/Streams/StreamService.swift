import Foundation

/// What a new stream is asked to be, validated: its destination, format, secret and token.
public struct StreamRequest: Sendable, Hashable {
    public var url: String
    public var format: StreamFormat
    /// Nil: the service makes one (`alh_…`) and shows it once.
    public var secret: String?
    public var token: String?

    public static let maximumURLBytes = 2_048
    public static let secretBytes = 16...256
    public static let tokenBytes = 1...512

    /// Validates every field and names each one that is wrong.
    public init(url: String, format: String?, secret: String?, token: String?) throws(AuditLogError) {
        var errors: [FieldError] = []
        if let problem = Self.problem(withURL: url) { errors.append(FieldError(field: "url", message: problem)) }
        let format = format ?? StreamFormat.json.rawValue
        let parsedFormat = StreamFormat(rawValue: format)
        if parsedFormat == nil {
            errors.append(
                FieldError(
                    field: "format", message: "must be one of \(StreamFormat.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        if let secret, !Self.secretBytes.contains(secret.utf8.count) || !Self.isVisibleASCII(secret) {
            errors.append(FieldError(field: "secret", message: "must be 16 to 256 visible ASCII characters"))
        } else if let secret, StreamCredentialKey.isSealed(secret) {
            errors.append(FieldError(field: "secret", message: "must not start with \"sealed:\" (how stored secrets are marked)"))
        }
        if let token, !Self.tokenBytes.contains(token.utf8.count) || !Self.isVisibleASCII(token) {
            errors.append(FieldError(field: "token", message: "must be 1 to 512 visible ASCII characters"))
        } else if let token, StreamCredentialKey.isSealed(token) {
            errors.append(FieldError(field: "token", message: "must not start with \"sealed:\" (how stored tokens are marked)"))
        }
        if token == nil, let parsedFormat, parsedFormat != .json {
            let what = parsedFormat == .splunkHEC ? "the HTTP Event Collector token" : "the Datadog API key"
            errors.append(FieldError(field: "token", message: "is required for \(format): \(what)"))
        }
        guard errors.isEmpty, let parsedFormat else {
            throw AuditLogError.invalid("The stream has invalid fields.", code: "invalid_stream", details: errors)
        }
        self.url = url
        self.format = parsedFormat
        self.secret = secret
        self.token = token
    }

    /// Why `url` cannot be a stream's destination; nil when it can. Whether its host is on a
    /// private network is decided when delivering, where the name is resolved.
    public static func problem(withURL url: String) -> String? {
        guard (1...maximumURLBytes).contains(url.utf8.count), isVisibleASCII(url) else {
            return "must be an http or https URL of at most \(maximumURLBytes) visible ASCII characters (encode others)"
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else {
            return "must be an http or https URL with a host"
        }
        if components.user != nil || components.password != nil {
            return "must not hold a user name or password; send credentials as the stream's token"
        }
        if components.fragment != nil { return "must not have a #fragment" }
        return nil
    }

    private static func isVisibleASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}

extension StreamRequest: RedactedDescription {
    public var shownFields: [(label: String, value: Any)] {
        [
            ("host", URLComponents(string: url)?.host ?? ""), ("format", format.rawValue), ("secret", Redaction.ifPresent(secret) as Any),
            ("token", Redaction.ifPresent(token) as Any),
        ]
    }
}

/// The use cases of log streams: create, list and remove an organization's streams, each
/// creation and removal recorded as an event of the organization. Delivery is the server's
/// (`StreamDeliverer`).
public struct StreamService: Sendable {
    private let store: any AuditLogStore
    /// Seals each new stream's secret and token; nil: they are stored as they are.
    private let credentialKey: StreamCredentialKey?
    public let now: @Sendable () -> Timestamp

    /// Streams an organization may have.
    public static let maximumStreamsPerOrganization = 10

    public init(
        store: any AuditLogStore, credentialKey: StreamCredentialKey? = nil, now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        self.credentialKey = credentialKey
        self.now = now
    }

    /// Creates a stream that delivers the organization's events from now on, and records a
    /// `LogStreamCreated` event, which is the first the stream delivers. Returns the stream,
    /// its secret included (shown this once).
    public func create(
        _ request: StreamRequest,
        organizationID: String,
        by actor: Actor,
        context: EventContext
    ) async throws -> LogStream {
        let time = now()
        let draft = LogStream(
            id: Secret.identifier(prefix: "str"), organizationID: organizationID, url: request.url, format: request.format,
            secret: request.secret ?? Secret.generate(.streamSecret), token: request.token, createdAt: time)
        var stream = try await store.createStream(
            try credentialKey?.sealed(draft) ?? draft, maximumPerOrganization: Self.maximumStreamsPerOrganization)
        // The caller sees the secret and token as given, this once.
        stream.secret = draft.secret
        stream.token = draft.token
        do {
            try await record(ActionCatalog.logStreamCreated, stream: stream, by: actor, context: context, at: time)
        } catch {
            // A stream nobody could see being created must not deliver.
            _ = try? await store.deleteStream(id: stream.id, organizationID: organizationID)
            throw error
        }
        return stream
    }

    /// The organization's streams with their lag, last success and last error.
    public func streams(organizationID: String) async throws -> [LogStreamStatus] {
        try await store.streams(organizationID: organizationID)
    }

    /// Removes a stream and records a `LogStreamDeleted` event; `notFound` when the
    /// organization has no stream with this id.
    public func remove(id: String, organizationID: String, by actor: Actor, context: EventContext) async throws {
        guard let stream = try await store.streams(organizationID: organizationID).first(where: { $0.stream.id == id })?.stream,
            try await store.deleteStream(id: id, organizationID: organizationID)
        else {
            throw AuditLogError.notFound("Stream \(id)")
        }
        try await record(ActionCatalog.logStreamDeleted, stream: stream, by: actor, context: context, at: now())
    }

    private func record(_ action: String, stream: LogStream, by actor: Actor, context: EventContext, at time: Timestamp) async throws {
        let event = NewEvent(
            action: action, occurredAt: time, actor: actor,
            targets: [EventTarget(type: "log_stream", id: stream.id, name: stream.host)], context: context,
            metadata: ["stream_id": .string(stream.id), "format": .string(stream.format.rawValue), "host": .string(stream.host)])
        _ = try await store.append([event], organizationID: stream.organizationID, receivedAt: time)
    }
}
