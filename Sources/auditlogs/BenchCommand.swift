import ArgumentParser
import AuditLogBench
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the service over HTTP against the storage engine's own limit, on a fresh database.",
        discussion: """
            Generates a deterministic dataset, starts `auditlogs serve` on a fresh database, loads the events \
            over HTTP and times ingestion, first pages, deep pages, exports and actor search, each beside its \
            baseline measured in the same run. Prints a table; --output writes JSON too.
            """)

    @Option(help: "Events to generate and load.") var events = 1_000_000
    @Option(
        help: ArgumentHelp(
            "Where the server keeps the data: a SQLite path or a postgres:// URL of an empty database. Default: a new SQLite file in a temporary folder.",
            valueName: "path-or-url"))
    var database: String?
    @Option(help: "Seconds each timed workload runs.") var seconds = 5.0
    @Option(help: ArgumentHelp("Also write the results as JSON to this file.", valueName: "path")) var output: String?
    @Option(
        help: ArgumentHelp(
            "A report an earlier run wrote (--output): after the table, list every figure that got worse by more than 20%.",
            valueName: "path"))
    var compare: String?

    func validate() throws {
        guard (1_000...100_000_000).contains(events) else { throw ValidationError("--events must be from 1,000 to 100,000,000.") }
        guard (0.2...600).contains(seconds) else { throw ValidationError("--seconds must be from 0.2 to 600.") }
    }

    func run() async throws {
        // Read first: a file that cannot be compared with is said before a run of many minutes.
        let earlier = try compare.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("Cannot read \(path).") }
            do {
                return try BenchReport.results(fromJSON: data)
            } catch {
                throw CommandFailure("\(path) is not a report of auditlogs bench --output: \(error)")
            }
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let options = BenchOptions(
            events: events, database: database, executable: executable, workloadDuration: .milliseconds(Int(seconds * 1_000)),
            output: output, say: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        let results = try await Benchmark.run(options)
        say(BenchReport.table(results))
        if let output {
            try BenchReport.json(results, events: events, database: database ?? "sqlite (temporary)").write(to: URL(fileURLWithPath: output))
        }
        if let earlier, let path = compare {
            let worse = BenchReport.regressions(old: earlier, new: results)
            say(worse.isEmpty ? "Nothing got worse by more than 20% than in \(path)." : "Worse by more than 20% than in \(path):")
            for line in worse { say("  " + line) }
        }
        if results.contains(where: { $0.failures > 0 }) {
            throw CommandFailure("Some requests got an unexpected answer; see the table.")
        }
    }
}
