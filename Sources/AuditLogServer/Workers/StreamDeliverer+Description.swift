public import AuditLogCore

extension StreamDeliverer: RedactedDescription {
    /// What ServiceLifecycle logs for it: its name in leases and its configuration, whose
    /// stream keys print redacted.
    public var shownFields: [(label: String, value: Any)] { [("holder", holder), ("configuration", configuration)] }
}

extension StreamDeliveryConfiguration: RedactedDescription {
    public var shownFields: [(label: String, value: Any)] {
        [
            ("allowPrivate", allowPrivate), ("credentialKey", credentialKey as Any),
            ("previousCredentialKeys", previousCredentialKeys), ("batchSize", batchSize), ("pollInterval", pollInterval),
            ("requestTimeout", requestTimeout),
        ]
    }
}

extension StreamPayload: RedactedDescription {
    /// The headers' names only: they carry the signature and the receiver's token.
    var shownFields: [(label: String, value: Any)] {
        [("bytes", body.count), ("headers", headers.map(\.name))]
    }
}
