import Testing

@testable import AuditLogCore

/// The signed statement of a manifest is compact JSON with its keys sorted, so that anyone can
/// write it again from the document (with `jq -S -c`, say) and check the signature over it.
@Suite struct ExportManifestStatementTests {
    static func manifest(_ format: ExportFormat) -> ExportManifest {
        ExportManifest(
            exportID: "exp_1", organizationID: "acme", exportedAt: .example, exportedBy: .ada, format: format,
            filter: EventFilter(actions: ["MemberInvited"], from: .example), rows: 2, truncated: false,
            fileSHA256: Array(repeating: 7, count: 32), fileBytes: 123, sequences: [4, 2], checkpoint: nil)
    }

    /// The keys of the top-level object, in the order written.
    static func topLevelKeys(_ bytes: [UInt8]) -> [String] {
        var keys: [String] = []
        var depth = 0
        var inString = false
        var escaped = false
        var current: [UInt8]?
        var expectingKey = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if let key = current {
                        keys.append(String(decoding: key, as: UTF8.self))
                        current = nil
                    }
                    continue
                }
                current?.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectingKey = depth == 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
            case UInt8(ascii: "\""):
                inString = true
                current = expectingKey ? [] : nil
                expectingKey = false
            default:
                break
            }
        }
        return keys
    }

    @Test(arguments: ExportFormat.allCases)
    func theStatementsKeysAreSorted(format: ExportFormat) {
        let keys = Self.topLevelKeys(Self.manifest(format).statement)
        #expect(keys == keys.sorted(), "\(keys)")
        #expect(keys.contains("\(format.name)_sha256") && keys.contains("\(format.name)_bytes"))
        #expect(keys.contains("format"))
    }
}
