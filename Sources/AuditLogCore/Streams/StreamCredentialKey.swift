import Crypto
import Foundation

/// The key that keeps log streams' secrets and tokens encrypted in the database (AES-256-GCM),
/// kept outside it like the signing key: whoever has the database alone can then neither sign
/// a batch a receiver would trust nor call the receiver with the stream's token.
///
/// A sealed value reads `sealed:v1:` and the base64 of its nonce, ciphertext and tag. It is
/// bound to its stream and field: the stream's id, organization, URL and format and the
/// field's name are authenticated with it (a stream is never changed, only removed), so a
/// sealed value copied to another stream or field does not open, and neither does one whose
/// stream was pointed at another URL in the database. A value without
/// the prefix was stored by a service without a key (or before there were keys) and is used as
/// it is, until a service with a key seals it.
public struct StreamCredentialKey: Sendable {
    static let prefix = "sealed:v1:"
    /// What every sealed value starts with, whatever its version.
    static let marker = "sealed:"
    /// The key's 32 bytes (a `SymmetricKey` is made of them where one is used: it is not
    /// `Sendable`).
    private let bytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// A new random key.
    public init() {
        bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// The key as `text` writes it: 32 bytes in base64, surrounding whitespace ignored.
    public init(text: String) throws(AuditLogError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: trimmed), bytes.count == 32 else {
            throw AuditLogError(
                .invalid, code: "invalid_stream_key",
                message: "This is not a stream credential key: it must be 32 bytes in base64, as `auditlogs stream-key create` writes it.")
        }
        self.bytes = Array(bytes)
    }

    /// The key's file contents: its 32 bytes in base64, and a newline.
    public var text: String {
        Data(bytes).base64EncodedString() + "\n"
    }

    /// Whether a stored value is sealed (else it is the credential itself).
    public static func isSealed(_ stored: String) -> Bool {
        stored.utf8.starts(with: marker.utf8)
    }

    /// The stream with its secret and token sealed, as it is stored.
    public func sealed(_ stream: LogStream) throws -> LogStream {
        var sealed = stream
        sealed.secret = try seal(stream.secret, field: "secret", of: stream)
        sealed.token = try stream.token.map { try seal($0, field: "token", of: stream) }
        return sealed
    }

    /// The stream as stored, with its secret and token opened with `key`. Values that are not
    /// sealed pass as they are; a sealed one without a key, or with another key, is an error
    /// that says which.
    public static func opened(_ stream: LogStream, with key: StreamCredentialKey?) throws(AuditLogError) -> LogStream {
        try opened(stream, with: key.map { [$0] } ?? [])
    }

    /// The stream opened with the first of `keys` that opens it: the current key, then those it
    /// replaced, while a rotation is under way.
    public static func opened(_ stream: LogStream, with keys: [StreamCredentialKey]) throws(AuditLogError) -> LogStream {
        var opened = stream
        opened.secret = try open(stream.secret, field: "secret", of: stream, with: keys)
        opened.token = try stream.token.map { stored throws(AuditLogError) in try open(stored, field: "token", of: stream, with: keys) }
        return opened
    }

    /// Whether the stream's credentials are sealed with this key (not stored as they are, nor
    /// sealed with another key).
    public func opens(_ stream: LogStream) -> Bool {
        Self.isSealed(stream.secret) && (try? Self.opened(stream, with: [self])) != nil
    }

    /// What a sealed value is bound to: everything that says where and how it is used.
    private static func binding(_ field: String, of stream: LogStream) -> Data {
        Data([stream.id, stream.organizationID, stream.url, stream.format.rawValue, field].joined(separator: "\n").utf8)
    }

    private func seal(_ value: String, field: String, of stream: LogStream) throws -> String {
        guard !Self.isSealed(value) else { return value }
        let box = try AES.GCM.seal(Data(value.utf8), using: key, authenticating: Self.binding(field, of: stream))
        guard let combined = box.combined else { throw Self.cannotOpen("Sealing the stream's \(field) failed.") }
        return Self.prefix + combined.base64EncodedString()
    }

    private static func open(
        _ stored: String, field: String, of stream: LogStream, with keys: [StreamCredentialKey]
    ) throws(AuditLogError) -> String {
        guard isSealed(stored) else { return stored }
        guard !keys.isEmpty else {
            throw cannotOpen("The stream's \(field) is encrypted and this service has no stream credential key (serve --stream-key).")
        }
        let encoded = String(stored.utf8.dropFirst(prefix.utf8.count))!
        guard let combined = Data(base64Encoded: encoded), let box = try? AES.GCM.SealedBox(combined: combined),
            let opened = keys.lazy.compactMap({ key in try? AES.GCM.open(box, using: key.key, authenticating: binding(field, of: stream)) })
                .first,
            let value = String(data: opened, encoding: .utf8)
        else {
            throw cannotOpen(
                "The stream's \(field) cannot be decrypted with this service's stream credential key: it was sealed with another key, or the stream was changed in the database."
            )
        }
        return value
    }

    private static func cannotOpen(_ message: String) -> AuditLogError {
        AuditLogError(.unavailable, code: "stream_credentials_unavailable", message: message)
    }
}

extension StreamCredentialKey: RedactedDescription {
    /// Nothing of the key: `StreamCredentialKey(bytes: <redacted>)`.
    public var shownFields: [(label: String, value: Any)] { [("bytes", Redaction())] }
}
