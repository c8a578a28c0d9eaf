import AuditLogCore
import Foundation
import Logging

/// How every `auditlogs` command logs: to standard error, one line per log call, at the level
/// `LOG_LEVEL` names (`trace`, `debug`, `info` — the default —, `notice`, `warning`, `error`,
/// `critical`), for our loggers and the libraries' alike; as text, or as JSON objects
/// (`serve --log-format json`, or `AUDITLOGS_LOG_FORMAT=json` for any command).
enum CommandLogging {
    static let environmentVariable = "LOG_LEVEL"
    static let formatVariable = "AUDITLOGS_LOG_FORMAT"

    /// The format a command logs in unless it is told otherwise: `AUDITLOGS_LOG_FORMAT`, else text.
    static var environmentFormat: LogFormat {
        environmentValue(formatVariable).flatMap { LogFormat(rawValue: $0.lowercased()) } ?? .text
    }

    /// Installs the log handler; once, before any logger is made.
    static func bootstrap(format: LogFormat = environmentFormat) {
        let (level, unknown) = level(from: environmentValue(environmentVariable))
        LoggingSystem.bootstrap(
            { label, metadataProvider -> any LogHandler in
                switch format {
                case .text:
                    var handler = EscapingLogHandler(base: StreamLogHandler.standardError(label: label, metadataProvider: nil))
                    handler.metadataProvider = metadataProvider
                    handler.logLevel = level
                    return handler
                case .json:
                    var handler = JSONLogHandler(label: label)
                    handler.metadataProvider = metadataProvider
                    handler.logLevel = level
                    return handler
                }
            }, metadataProvider: nil)
        if let unknown {
            Logger(label: "auditlogs").warning(
                "\(environmentVariable) is not a log level; logging at info",
                metadata: ["audit.value": "\(unknown)", "audit.levels": "\(Logger.Level.allCases.map(\.rawValue))"])
        }
        if let text = environmentValue(formatVariable), LogFormat(rawValue: text.lowercased()) == nil {
            Logger(label: "auditlogs").warning(
                "\(formatVariable) is not a log format; logging as \(format.rawValue)",
                metadata: ["audit.value": "\(text)", "audit.formats": "\(LogFormat.allCases.map(\.rawValue))"])
        }
    }

    /// The level `text` names (any case), else info and the text that is not a level.
    static func level(from text: String?) -> (Logger.Level, unknown: String?) {
        guard let text else { return (.info, nil) }
        guard let level = Logger.Level(rawValue: text.lowercased()) else { return (.info, text) }
        return (level, nil)
    }
}

/// A log handler that writes each log call as exactly one line, however its text came to be.
///
/// A message or metadata value may hold text from outside — a receiver's answer, an error
/// naming a stored value —; a line break in it would start a line the service did not write,
/// and an escape sequence would act on the operator's terminal. Every control character in the
/// message, the metadata (the logger's own, the metadata provider's and the call's) and an
/// attached error is written as an escape (`ControlCharacters.escaped`) before `base` prints it.
struct EscapingLogHandler: LogHandler {
    private var base: StreamLogHandler
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(base: StreamLogHandler) {
        self.base = base
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = Logger.Metadata.merged(metadata, metadataProvider, event)
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var escaped = event
        escaped.error = nil
        escaped.message = Logger.Message(stringLiteral: ControlCharacters.escaped(event.message.description))
        escaped.metadata = merged.isEmpty ? nil : Self.escaped(merged)
        base.log(event: escaped)
    }

    static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        // Two keys may escape alike ("a\n" and "a\\n"); either value will do.
        Dictionary(metadata.map { (ControlCharacters.escaped($0.key), escaped($0.value)) }) { $1 }
    }

    static func escaped(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(ControlCharacters.escaped(text))
        case .stringConvertible(let convertible): .string(ControlCharacters.escaped(convertible.description))
        case .dictionary(let dictionary): .dictionary(escaped(dictionary))
        case .array(let values): .array(values.map(escaped))
        }
    }
}

extension Logger.Metadata {
    /// A log call's metadata, merged as StreamLogHandler merges it: the logger's, then the
    /// provider's, then the call's, a later value replacing an earlier one.
    static func merged(_ logger: Self, _ provider: Logger.MetadataProvider?, _ event: LogEvent) -> Self {
        var merged = logger
        if let provided = provider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        return merged
    }
}
