import Crypto
import Foundation

/// A signed statement that an organization's chain had `headHash` after event `sequence`: what
/// proves that events up to there were not rewritten since, by someone without the signing key.
///
/// Checkpoints are chained too: each names the hash of the one before (`previousHash`), so one
/// cannot be removed or replaced unnoticed. A retention purge adds a record of its own to that
/// chain (`retentionCut`): the signed statement that the events up to `sequence` were purged,
/// and that the events kept start after `headHash`. Without it, a base moved by hand in the
/// database is a forgery (docs/INTEGRITY.md).
public struct Checkpoint: Sendable, Equatable {
    public var organizationID: String
    public var sequence: Int64
    /// The chain's hash after event `sequence` (`EventChain`).
    public var headHash: [UInt8]
    public var signedAt: Timestamp
    /// The SHA-256 of the previous checkpoint's `signedBytes`; 32 zero bytes for the first.
    public var previousHash: [UInt8]
    /// `VerifyingKey.id` of the key that signed it.
    public var keyID: String
    /// Ed25519 over `signedBytes`.
    public var signature: [UInt8]
    /// Set when this record is a retention cut rather than a checkpoint of the head.
    public var retentionCut: RetentionCut?

    /// What a retention cut states beyond a checkpoint: the policy that purged, and its cutoff.
    public struct RetentionCut: Sendable, Hashable {
        /// Events received before this instant were due to go.
        public var receivedBefore: Timestamp
        /// The organization's policy when it purged, in days.
        public var days: Int

        public init(receivedBefore: Timestamp, days: Int) {
            self.receivedBefore = receivedBefore
            self.days = days
        }
    }

    /// The statement's `type`: what keeps one kind of record from passing for the other.
    public var type: String { retentionCut == nil ? "checkpoint" : "retention_cut" }

    /// What the first checkpoint of an organization follows.
    public static let noPrevious = [UInt8](repeating: 0, count: 32)

    public init(
        organizationID: String,
        sequence: Int64,
        headHash: [UInt8],
        signedAt: Timestamp,
        previousHash: [UInt8],
        keyID: String,
        signature: [UInt8],
        retentionCut: RetentionCut? = nil
    ) {
        self.retentionCut = retentionCut
        self.organizationID = organizationID
        self.sequence = sequence
        self.headHash = headHash
        self.signedAt = signedAt
        self.previousHash = previousHash
        self.keyID = keyID
        self.signature = signature
    }

    /// A new checkpoint of `headHash` at `sequence` (or, with `cut`, a retention cut there),
    /// after `previous` in the organization's signed chain, signed with `key`.
    public static func signed(
        organizationID: String,
        sequence: Int64,
        headHash: [UInt8],
        at signedAt: Timestamp,
        after previous: Checkpoint?,
        with key: SigningKey,
        cut: RetentionCut? = nil
    ) throws -> Checkpoint {
        var checkpoint = Checkpoint(
            organizationID: organizationID, sequence: sequence, headHash: headHash, signedAt: signedAt,
            previousHash: previous?.hash ?? noPrevious, keyID: key.publicKey.id, signature: [], retentionCut: cut)
        checkpoint.signature = try key.signature(for: checkpoint.signedBytes)
        return checkpoint
    }

    /// The exact bytes the signature covers: the statement as compact JSON, keys sorted,
    /// `"type":"checkpoint"` (or `"retention_cut"`) among them so that no other signed document
    /// can pass for one.
    public var signedBytes: [UInt8] {
        var json = JSONWriter(reservingCapacity: 320)
        json.object { json in writeStatement(to: &json) }
        return json.bytes
    }

    private func writeStatement(to json: inout JSONWriter) {
        json.field("head_hash", Hex.encoded(headHash))
        json.field("key_id", keyID)
        json.field("organization", organizationID)
        json.field("previous_checkpoint", Hex.encoded(previousHash))
        if let retentionCut {
            json.field("received_before", retentionCut.receivedBefore.rfc3339)
            json.key("retention_days")
            json.integer(Int64(retentionCut.days))
        }
        json.key("sequence")
        json.integer(sequence)
        json.field("signed_at", signedAt.rfc3339)
        json.field("type", type)
    }

    /// The SHA-256 of `signedBytes`: what the next checkpoint names as its previous.
    public var hash: [UInt8] { Array(SHA256.hash(data: signedBytes)) }

    /// Whether `key` made this checkpoint's signature over its statement as it stands.
    public func isSigned(by key: VerifyingKey) -> Bool {
        key.id == keyID && key.isValidSignature(signature, for: signedBytes)
    }
}

extension Checkpoint: JSONWritable {
    /// The statement's members, then `signature` (standard base64) last: removing
    /// `,"signature":"…"` gives back `signedBytes` exactly (docs/INTEGRITY.md).
    public func write(to json: inout JSONWriter) {
        json.object { json in
            writeStatement(to: &json)
            json.field("signature", Data(signature).base64EncodedString())
        }
    }
}
