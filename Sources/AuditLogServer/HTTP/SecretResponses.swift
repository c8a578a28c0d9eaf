import AuditLogCore

// The answers that carry a secret, shown once to the caller, print without it anywhere else.

extension SessionsController.Created: RedactedDescription {
    var shownFields: [(label: String, value: Any)] {
        [("token", Redaction()), ("expiresAt", expiresAt), ("member", member.id)]
    }
}

extension StreamsController.StreamResource: RedactedDescription {
    var shownFields: [(label: String, value: Any)] {
        [("stream", status.stream), ("lag", status.lag), ("secret", Redaction.ifPresent(secret) as Any)]
    }
}
