import Logging
import Synchronization

/// Keeps every message logged through its `logger`, for tests of what the operator's log says.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        /// The entry as a line of text handler would print: message, then each metadata value.
        var line: String { ([message] + metadata.keys.sorted().map { "\($0)=\(metadata[$0]!)" }).joined(separator: " ") }
    }

    private let recorded = Mutex<[Entry]>([])

    var entries: [Entry] { recorded.withLock { $0 } }

    var logger: Logger {
        Logger(label: "recorded") { _ in Handler(recorder: self) }
    }

    fileprivate func append(_ entry: Entry) { recorded.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.append(
                Entry(level: event.level, message: event.message.description, metadata: all.mapValues { "\($0)" }))
        }
    }
}
