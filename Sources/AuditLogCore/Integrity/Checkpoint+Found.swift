/// Reading checkpoints back from what an auditor kept: a checkpoint as the API shows it, a page
/// of them, an export manifest, the service's checkpoint log (one per line), or a record a log
/// stream delivered to a SIEM.
extension Checkpoint {
    /// Every checkpoint and retention cut in `bytes`, in the order they appear: the document's
    /// own JSON or, when it is not one document, each of its lines. A JSON object that is a
    /// signed record counts as one; any other object or array is searched in, so wherever a
    /// record sits in what was kept (`"checkpoint"` of a manifest, `"data"` of an API page,
    /// `"event"` of a Splunk record), it is found.
    public static func records(in bytes: [UInt8]) -> [Checkpoint] {
        if let document = try? JSONParser.parse(bytes) { return records(in: document, depth: 0) }
        var found: [Checkpoint] = []
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if let document = try? JSONParser.parse(line) { found += records(in: document, depth: 0) }
        }
        return found
    }

    private static func records(in value: JSONValue, depth: Int) -> [Checkpoint] {
        // Records sit a few levels deep at most; a deeper document is not worth walking.
        guard depth < 8 else { return [] }
        switch value {
        case .object(let members):
            if let record = Checkpoint(json: value) { return [record] }
            return members.keys.sorted().flatMap { records(in: members[$0]!, depth: depth + 1) }
        case .array(let elements):
            return elements.flatMap { records(in: $0, depth: depth + 1) }
        default:
            return []
        }
    }
}
