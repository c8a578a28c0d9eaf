import Crypto
import Foundation

/// What an auditor needs to trust an export offline (docs/INTEGRITY.md): which filters and range
/// made it, who exported it and when, in which format, the SHA-256 of its exact bytes, the sequence number
/// of every row's event, and the signed checkpoint that covers them; all signed with the
/// service's key.
///
/// Written as its statement (compact JSON, keys sorted, the checkpoint as checkpoints are
/// written) and then `"signature"` last, like a checkpoint, so that removing
/// `,"signature":"…"` gives back the signed bytes.
public struct ExportManifest: Sendable, Equatable {
    public var exportID: String
    public var organizationID: String
    public var exportedAt: Timestamp
    public var exportedBy: Actor
    public var format: ExportFormat
    public var filter: EventFilter
    /// Data rows in the file (a CSV's header not counted).
    public var rows: Int
    /// True when more events matched than the export holds.
    public var truncated: Bool
    /// The SHA-256 of the file's exact bytes, and how many bytes it has: written as
    /// `csv_sha256` and `csv_bytes` for a CSV, `jsonl_sha256` and `jsonl_bytes` for JSON Lines.
    public var fileSHA256: [UInt8]
    public var fileBytes: Int
    /// The sequence number of each row's event, in row order.
    public var sequences: [Int64]
    /// A checkpoint whose sequence is at least every row's: the rows are events of the chain it
    /// signs. Nil when the service has no signing key.
    public var checkpoint: Checkpoint?

    public init(
        exportID: String,
        organizationID: String,
        exportedAt: Timestamp,
        exportedBy: Actor,
        format: ExportFormat = .csv,
        filter: EventFilter,
        rows: Int,
        truncated: Bool,
        fileSHA256: [UInt8],
        fileBytes: Int,
        sequences: [Int64],
        checkpoint: Checkpoint?
    ) {
        self.exportID = exportID
        self.organizationID = organizationID
        self.exportedAt = exportedAt
        self.exportedBy = exportedBy
        self.format = format
        self.filter = filter
        self.rows = rows
        self.truncated = truncated
        self.fileSHA256 = fileSHA256
        self.fileBytes = fileBytes
        self.sequences = sequences
        self.checkpoint = checkpoint
    }

    /// The exact bytes the signature covers, `"type":"export-manifest"` among them so that no
    /// other signed document can pass for one.
    public var statement: [UInt8] {
        var json = JSONWriter(reservingCapacity: 1_024 + sequences.count * 8)
        json.object { json in
            json.key("checkpoint")
            json.value(checkpoint)
            // Keys are sorted: "csv_…" comes here, "jsonl_…" after "format".
            if format == .csv { writeDigest(to: &json) }
            json.field("export_id", exportID)
            json.field("exported_at", exportedAt.rfc3339)
            json.key("exported_by")
            json.object { json in
                json.field("id", exportedBy.id)
                json.field("name", exportedBy.name)
                json.field("type", exportedBy.type.rawValue)
            }
            json.key("filters")
            json.object { json in
                json.key("actions")
                json.array(filter.actions) { json, action in json.string(action) }
                json.key("actors")
                json.array(filter.actorIDs) { json, actor in json.string(actor) }
                json.field("from", filter.from.rfc3339)
                json.field("to", filter.to?.rfc3339)
                json.key("workspaces")
                json.array(filter.workspaceIDs) { json, workspace in json.string(workspace) }
            }
            json.field("format", format.name)
            if format == .jsonLines { writeDigest(to: &json) }
            json.field("organization", organizationID)
            json.field("rows", rows)
            json.key("sequences")
            json.array(sequences) { json, sequence in json.integer(sequence) }
            json.field("truncated", truncated)
            json.field("type", "export-manifest")
        }
        return json.bytes
    }

    /// The file's length and SHA-256, named for its format.
    private func writeDigest(to json: inout JSONWriter) {
        json.key("\(format.name)_bytes")
        json.integer(fileBytes)
        json.key("\(format.name)_sha256")
        json.string(Hex.encoded(fileSHA256))
    }

    /// The manifest as it is served and downloaded: the statement, then its signature (null
    /// without a key).
    public func document(signedWith key: SigningKey?) throws -> [UInt8] {
        var bytes = statement
        bytes.removeLast()  // the closing brace
        bytes.append(contentsOf: #","signature":"#.utf8)
        if let key {
            bytes.append(contentsOf: "\"\(Data(try key.signature(for: statement)).base64EncodedString())\"}".utf8)
        } else {
            bytes.append(contentsOf: "null}".utf8)
        }
        return bytes
    }
}

/// Checks, offline, that an exported file (CSV or JSON Lines) is the one a manifest describes
/// and that the manifest and its checkpoint are signed by one of `keys`: what
/// `auditlogs verify-export` runs.
public enum ExportVerification {
    /// Every reason not to trust the file; empty when it is the export the manifest signs.
    public static func problems(file: [UInt8], manifest document: [UInt8], keys: [VerifyingKey]) -> [String] {
        guard let signed = SignedDocument(document) else {
            return ["the manifest is not a signed document (its signature must be its last member)"]
        }
        guard signed.signature != nil else {
            return ["the manifest is not signed (the service that made it has no signing key)"]
        }
        guard let json = signed.json, json["type"]?.stringValue == "export-manifest" else {
            return ["the manifest is not an export manifest"]
        }

        var problems: [String] = []
        if keys.isEmpty {
            problems.append("no public key was given to check the manifest's signature with")
        } else if !signed.isSigned(byOneOf: keys) {
            problems.append("the manifest's signature does not match: it was edited, or signed with another key than the one given")
        }

        // Manifests from before JSON Lines exports name no format: they are of CSVs.
        let format = json["format"].map { $0.stringValue.flatMap(ExportFormat.init(rawValue:)) } ?? .csv
        guard let format else {
            problems.append("the manifest names a format this version does not know")
            return problems
        }
        let digest = Array(SHA256.hash(data: file))
        if json["\(format.name)_sha256"]?.stringValue != Hex.encoded(digest)
            || json["\(format.name)_bytes"] != .integer(Int64(file.count))
        {
            problems.append(
                format == .csv
                    ? "the CSV is not the one the manifest describes: its SHA-256 or length differs (a cell, a row or their order changed, or it is another export's manifest)"
                    : "the JSON Lines file is not the one the manifest describes: its SHA-256 or length differs (a value, a line or their order changed, or it is another export's manifest)"
            )
        }

        let sequences = json["sequences"]?.arrayValue.compactMap(\.integerValue) ?? []
        if json["rows"] != .integer(Int64(sequences.count)) {
            problems.append("the manifest's row count and its sequence numbers disagree")
        }
        guard let checkpointJSON = json["checkpoint"], checkpointJSON != .null else {
            problems.append("the manifest names no checkpoint")
            return problems
        }
        guard let checkpoint = Checkpoint(json: checkpointJSON) else {
            problems.append("the manifest's checkpoint is malformed")
            return problems
        }
        if checkpoint.organizationID != json["organization"]?.stringValue {
            problems.append("the checkpoint is of another organization")
        }
        if !keys.contains(where: { checkpoint.isSigned(by: $0) }) {
            problems.append("the checkpoint's signature does not match a given key")
        }
        if let last = sequences.max(), last > checkpoint.sequence {
            problems.append("the rows include events after the checkpoint (\(last) > \(checkpoint.sequence)): they are not anchored")
        }
        return problems
    }
}

extension Checkpoint {
    /// A checkpoint or retention cut as `write(to:)` writes it, read back; nil when a member is
    /// missing or wrong.
    public init?(json: JSONValue) {
        guard let organization = json["organization"]?.stringValue, let sequence = json["sequence"]?.integerValue,
            let head = json["head_hash"]?.stringValue.flatMap(Hex.decoded), let signedAt = json["signed_at"]?.stringValue,
            let time = Timestamp(exactly: signedAt),
            let previous = json["previous_checkpoint"]?.stringValue.flatMap(Hex.decoded),
            let keyID = json["key_id"]?.stringValue,
            let signature = json["signature"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
        else { return nil }
        var cut: RetentionCut?
        switch json["type"]?.stringValue {
        case "checkpoint":
            guard json["received_before"] == nil, json["retention_days"] == nil else { return nil }
        case "retention_cut":
            guard let before = json["received_before"]?.stringValue.flatMap(Timestamp.init(exactly:)),
                let days = json["retention_days"]?.integerValue, let days = Int(exactly: days)
            else { return nil }
            cut = RetentionCut(receivedBefore: before, days: days)
        default:
            return nil
        }
        self.init(
            organizationID: organization, sequence: sequence, headHash: head, signedAt: time, previousHash: previous,
            keyID: keyID, signature: Array(signature), retentionCut: cut)
    }
}

/// A document as the service writes its signed ones (checkpoints, manifests): the statement's
/// members, then `"signature":"<base64>"` — or `null`, unsigned — last, so that removing that
/// member gives back the signed bytes exactly.
public struct SignedDocument: Sendable {
    /// The bytes the signature covers.
    public var statement: [UInt8]
    /// Nil when the document says `"signature":null`.
    public var signature: [UInt8]?

    /// Nil when the signature is not the document's last member, or not base64.
    public init?(_ document: [UInt8]) {
        guard document.last == UInt8(ascii: "}") else { return nil }
        let unsigned = Array(#","signature":null}"#.utf8)
        if document.count > unsigned.count, document.suffix(unsigned.count).elementsEqual(unsigned) {
            statement = Array(document.dropLast(unsigned.count)) + [UInt8(ascii: "}")]
            signature = nil
            return
        }
        let marker = Array(#","signature":""#.utf8)
        guard let markerStart = document.lastIndex(of: marker), document.count >= markerStart + marker.count + 2,
            document[document.count - 2] == UInt8(ascii: "\""),
            let signature = Data(base64Encoded: String(decoding: document[(markerStart + marker.count)..<(document.count - 2)], as: UTF8.self))
        else { return nil }
        self.statement = Array(document[..<markerStart]) + [UInt8(ascii: "}")]
        self.signature = Array(signature)
    }

    /// The statement, parsed; nil when it is not JSON.
    public var json: JSONValue? { try? JSONParser.parse(statement) }

    /// Whether one of `keys` made the signature over the statement.
    public func isSigned(byOneOf keys: [VerifyingKey]) -> Bool {
        guard let signature else { return false }
        return keys.contains { $0.isValidSignature(signature, for: statement) }
    }
}

extension Array where Element == UInt8 {
    /// Where `needle` last starts in these bytes.
    fileprivate func lastIndex(of needle: [UInt8]) -> Int? {
        guard needle.count <= count else { return nil }
        var start = count - needle.count
        while start >= 0 {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return start }
            start -= 1
        }
        return nil
    }
}
