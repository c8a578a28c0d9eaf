import Crypto
import Foundation

/// The Ed25519 key the service signs checkpoints and export manifests with. It is kept in a
/// file outside the database (`auditlogs signing-key create`), so that whoever can rewrite the
/// database cannot also sign what they wrote.
///
/// Files are PEM, as OpenSSL writes them (RFC 8410): the private key as PKCS #8
/// (`BEGIN PRIVATE KEY`), the public key as SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`), so that
/// `openssl pkeyutl -verify` checks our signatures with nothing of ours.
public struct SigningKey: Sendable {
    /// The 32-byte seed (swift-crypto's keys are not `Sendable`; one is made when signing).
    private let seed: [UInt8]

    /// A new random key.
    public init() {
        seed = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    /// Reads a PKCS #8 PEM Ed25519 private key.
    public init(pem: String) throws {
        guard let der = PEM.decode(pem, label: "PRIVATE KEY"), der.count == 48, der.starts(with: PEM.pkcs8Prefix) else {
            throw AuditLogError(
                .invalid, code: "not_a_signing_key",
                message: "The signing key must be an Ed25519 private key in PEM (BEGIN PRIVATE KEY), as auditlogs signing-key create writes it.")
        }
        let seed = Array(der.suffix(32))
        _ = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        self.seed = seed
    }

    private var privateKey: Curve25519.Signing.PrivateKey {
        // The seed was checked when the key was made or read.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    public var pem: String { PEM.encode(PEM.pkcs8Prefix + seed, label: "PRIVATE KEY") }

    public var publicKey: VerifyingKey { VerifyingKey(raw: Array(privateKey.publicKey.rawRepresentation)) }

    public func signature(for bytes: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: bytes))
    }
}

extension SigningKey: RedactedDescription {
    /// The public key's id, never the seed: `SigningKey(key_id: "3f9c…", seed: <redacted>)`.
    public var shownFields: [(label: String, value: Any)] {
        [("key_id", publicKey.id), ("seed", Redaction())]
    }
}

/// The public half of a `SigningKey`: what an auditor checks signatures with.
public struct VerifyingKey: Sendable, Hashable {
    /// The 32 bytes of the public key.
    public let raw: [UInt8]

    init(raw: [UInt8]) {
        self.raw = raw
    }

    /// Reads a SubjectPublicKeyInfo PEM Ed25519 public key (or takes the public half of a
    /// private key's PEM).
    public init(pem: String) throws {
        if pem.contains("PRIVATE KEY") {
            self = try SigningKey(pem: pem).publicKey
            return
        }
        guard let der = PEM.decode(pem, label: "PUBLIC KEY"), der.count == 44, der.starts(with: PEM.spkiPrefix) else {
            throw AuditLogError(
                .invalid, code: "not_a_public_key", message: "The public key must be an Ed25519 public key in PEM (BEGIN PUBLIC KEY).")
        }
        let raw = Array(der.suffix(32))
        _ = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        self.raw = raw
    }

    public var pem: String { PEM.encode(PEM.spkiPrefix + raw, label: "PUBLIC KEY") }

    /// The first 8 bytes of the SHA-256 of the raw public key, in hex: names the key that made
    /// a signature, so that a rotated key is told apart.
    public var id: String { Hex.encoded(SHA256.hash(data: raw).prefix(8)) }

    public func isValidSignature(_ signature: [UInt8], for bytes: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: bytes)
    }
}

/// PEM armour of the two fixed-length Ed25519 encodings (RFC 8410): a constant prefix, then the
/// 32 key bytes.
enum PEM {
    /// PKCS #8 PrivateKeyInfo: version 0, algorithm id-Ed25519 (1.3.101.112), the seed.
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    /// SubjectPublicKeyInfo: algorithm id-Ed25519, the key as a BIT STRING.
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    static func encode(_ der: some Collection<UInt8>, label: String) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }

    static func decode(_ pem: String, label: String) -> [UInt8]? {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        guard let start = pem.range(of: begin), let stop = pem.range(of: end, range: start.upperBound..<pem.endIndex) else {
            return nil
        }
        let body = pem[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map(Array.init)
    }
}
