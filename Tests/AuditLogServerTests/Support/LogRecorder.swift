import Logging
import Synchronization

/// Keeps every line logged through its loggers, so that a test can say what the operator's log
/// said, or did not.
final class LogRecorder: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata

        /// The line as a text handler would print it: the message, then each metadata value.
        var text: String { ([message] + metadata.keys.sorted().map { "\($0)=\(metadata[$0]!)" }).joined(separator: " ") }
    }

    private let recorded = Mutex<[Line]>([])

    var lines: [Line] { recorded.withLock { $0 } }

    /// Waits until a line satisfies `condition` (checked every 20 ms), at most `timeout`.
    func wait(timeout: Duration = .seconds(30), until condition: (Line) -> Bool) async throws -> Line {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let line = lines.first(where: condition) { return line }
            guard ContinuousClock.now < deadline else { throw WaitTimedOut() }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    struct WaitTimedOut: Error {}

    /// A logger at `level` whose lines this recorder keeps.
    func logger(level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: "recorded") { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func record(_ line: Line) {
        recorded.withLock { $0.append(line) }
    }

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
            recorder.record(Line(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
