public import AuditLogCore

/// How log streams are delivered; the defaults are the product's, tests shorten the waits.
public struct StreamDeliveryConfiguration: Sendable {
    /// Deliver to private, loopback and link-local addresses and this host's own too
    /// (`serve --stream-allow-private`).
    public var allowPrivate = false
    /// Opens the streams' sealed secrets and tokens, and seals those stored as they are
    /// (`serve --stream-key`); nil: credentials are used as stored, and sealed ones cannot be.
    public var credentialKey: StreamCredentialKey?
    /// Keys the current one replaced (`serve --previous-stream-key`): credentials sealed with
    /// one of them still open, and are sealed again with the current key.
    public var previousCredentialKeys: [StreamCredentialKey] = []
    /// Events per request, at most.
    public var batchSize = 500
    /// How often a stream that has delivered everything looks for new events although no
    /// commit woke it (the store's `commits`; on PostgreSQL, other replicas' too): the longest an
    /// event waits should a wake be missed.
    public var pollInterval: Duration = .seconds(1)
    /// How long a replica's lease of a stream lasts unless renewed. It must outlast a request
    /// by far: a lease is renewed before each request, so no other replica takes the stream
    /// while one is in flight.
    public var leaseDuration: Duration = .seconds(30)
    /// How often a replica looks for streams no replica delivers.
    public var claimInterval: Duration = .seconds(5)
    /// How long one request may take, connection included.
    public var requestTimeout: Duration = .seconds(10)
    /// The first wait after a failure; each failure in a row doubles it, up to the maximum, and
    /// a random part of it is taken off (jitter) so that many streams do not retry in step.
    public var firstRetryDelay: Duration = .seconds(1)
    public var maximumRetryDelay: Duration = .seconds(60)
    /// The longest `Retry-After` obeyed; a receiver asking for more is tried again after this.
    public var maximumRetryAfter: Duration = .seconds(600)

    var backoff: Backoff { Backoff(first: firstRetryDelay, maximum: maximumRetryDelay, maximumRetryAfter: maximumRetryAfter) }

    public init() {}
}
