import ArgumentParser
import AuditLogCore
import Foundation
import Logging
import Synchronization

/// How log lines are written: for a person (`text`), or for a log pipeline (`json`).
enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text
    case json
}

/// Writes each log call as one JSON object on a line of standard error, for log pipelines:
///
///     {"time":"2026-12-07T07:44:17.120Z","level":"info","logger":"auditlogs","source":"AuditLogServer",
///      "message":"audit log exported","request_id":"…","organization":"acme","metadata":{"audit.rows":"12"}}
///
/// `request_id` (Hummingbird's `hb.request.id`) and `organization` (`audit.org`) are lifted out
/// of the metadata, so that a pipeline can index them; the rest of the metadata (the logger's,
/// the provider's, the call's) is under `metadata`, and an attached error under `error`. JSON
/// escapes every control character, so a value from outside can neither add a line nor act on a
/// terminal.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    /// One line is written at a time, whichever thread logs.
    private static let output = Mutex(())

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = Logger.Metadata.merged(metadata, metadataProvider, event)
        let requestID = merged.removeValue(forKey: "hb.request.id")
        let organization = merged.removeValue(forKey: "audit.org")
        var json = JSONWriter(reservingCapacity: 512)
        json.object { json in
            json.field("time", Timestamp.now.rfc3339)
            json.field("level", event.level.rawValue)
            json.field("logger", label)
            json.field("source", event.source)
            json.field("message", event.message.description)
            if let requestID { json.field("request_id", "\(requestID)") }
            if let organization { json.field("organization", "\(organization)") }
            if let error = event.error {
                json.key("error")
                json.object { json in
                    json.field("message", "\(error)")
                    json.field("type", String(reflecting: type(of: error)))
                }
            }
            if !merged.isEmpty {
                json.key("metadata")
                Self.write(merged, to: &json)
            }
        }
        var line = json.bytes
        line.append(UInt8(ascii: "\n"))
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line)) }
    }

    private static func write(_ metadata: Logger.Metadata, to json: inout JSONWriter) {
        json.object { json in
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
                json.key(key)
                write(value, to: &json)
            }
        }
    }

    private static func write(_ value: Logger.MetadataValue, to json: inout JSONWriter) {
        switch value {
        case .string(let text): json.string(text)
        case .stringConvertible(let convertible): json.string(convertible.description)
        case .dictionary(let dictionary): write(dictionary, to: &json)
        case .array(let values): json.array(values) { json, value in write(value, to: &json) }
        }
    }
}
