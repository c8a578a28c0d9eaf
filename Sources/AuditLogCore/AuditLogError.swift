/// One bad field of a request, named by its path (`events[3].actor.id`, `limit`).
public struct FieldError: Sendable, Hashable, Codable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// The error every library of the service throws for something a caller did or asked.
///
/// The server maps `kind` to an HTTP status once; the CLI prints `message`. Anything that is not
/// an `AuditLogError` reaching a caller is a bug.
public struct AuditLogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in the terms of the HTTP contract's 4xx statuses.
    public enum Kind: Sendable, Hashable {
        /// The request cannot be read at all (not JSON, not UTF-8). HTTP 400.
        case malformed
        /// No credentials, or unknown or expired ones. HTTP 401.
        case unauthenticated
        /// Valid credentials that may not do this. HTTP 403.
        case forbidden
        /// The thing does not exist, or the caller may not know it does. HTTP 404.
        case notFound
        /// It already exists. HTTP 409.
        case conflict
        /// The request did not arrive in time (a body sent too slowly). HTTP 408.
        case timedOut
        /// The body is larger than allowed. HTTP 413.
        case tooLarge
        /// Readable, but some fields are invalid; `details` names each. HTTP 422.
        case invalid
        /// Too many attempts. HTTP 429.
        case rateLimited
        /// The service cannot do it now — its storage is full, read-only or failing, or it is
        /// too busy — through no fault of the request; the same request may succeed later.
        /// HTTP 503.
        case unavailable
    }

    public var kind: Kind
    /// A stable, machine-readable code (`invalid_event`, `unknown_action`).
    public var code: String
    /// One sentence for a person.
    public var message: String
    public var details: [FieldError]
    /// For `rateLimited` and `unavailable`: how many seconds to wait before trying again.
    public var retryAfterSeconds: Int64?

    public init(_ kind: Kind, code: String, message: String, details: [FieldError] = [], retryAfterSeconds: Int64? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds ?? (kind == .unavailable ? 1 : nil)
    }

    public var description: String {
        guard !details.isEmpty else { return message }
        return message + " " + details.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }
}

extension AuditLogError {
    public static func invalid(_ message: String, code: String = "invalid_request", details: [FieldError]) -> Self {
        AuditLogError(.invalid, code: code, message: message, details: details)
    }

    /// A body the parser refused: 400 `malformed_json` when it is not JSON; 422 with code
    /// `invalidCode`, naming the field, when it is JSON but holds a number that would not be
    /// kept exactly.
    public static func unreadableJSON(_ error: JSONParser.SyntaxError, invalidCode: String = "invalid_request") -> Self {
        guard let field = error.inexactNumber else {
            return AuditLogError(.malformed, code: "malformed_json", message: "The body is not valid JSON: \(error).")
        }
        return .invalid(
            "The body holds a number that would not be stored exactly; nothing was stored.", code: invalidCode,
            details: [
                FieldError(
                    field: field,
                    message:
                        "is a number that would not be kept exactly (whole numbers up to 64 bits and other numbers up to a double's 17 significant digits are); send it as a string"
                )
            ])
    }

    public static func invalidField(_ field: String, _ message: String) -> Self {
        .invalid("The request has an invalid field.", details: [FieldError(field: field, message: message)])
    }

    public static let unauthenticated = AuditLogError(
        .unauthenticated,
        code: "unauthenticated",
        message: "Sign in or send valid credentials as 'Authorization: Bearer <secret>'."
    )

    public static func notFound(_ what: String) -> Self {
        AuditLogError(.notFound, code: "not_found", message: "\(what) was not found.")
    }

    /// The storage failed; `reason` says how ("the disk is full").
    public static func storageUnavailable(reason: String) -> Self {
        AuditLogError(
            .unavailable, code: "storage_unavailable",
            message:
                "The service cannot use its database right now (\(reason)). Nothing was acknowledged; send the request again later — retries with the same event ids are safe."
        )
    }

    public static func forbidden(_ message: String) -> Self {
        AuditLogError(.forbidden, code: "forbidden", message: message)
    }
}
