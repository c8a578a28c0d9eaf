import AuditLogTestSupport
import Foundation
import Synchronization

/// The built `auditlogs` executable, run as a user would run it.
struct Command {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// `auditlogs` sits next to the test bundle in the build folder; AUDITLOGS_BINARY overrides.
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["AUDITLOGS_BINARY"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("auditlogs").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("auditlogs")
    }

    /// A new, empty database path in a temporary directory.
    static func temporaryDatabase() throws -> String {
        try TestDatabase.temporaryPath("cli.sqlite")
    }

    /// How many commands run at once. The tests start all at once, and so did their commands: fifty
    /// debug builds hashing passwords on two cores left the test process itself so little time
    /// that a 200 ms timer fired after 40 s, `openssl` answered after 37 s, and PostgreSQL's 10 s
    /// reachability check failed.
    private static let slots = DispatchSemaphore(value: ProcessInfo.processInfo.activeProcessorCount)

    /// Waits for a slot (on the calling thread, which is never one of Swift concurrency's), runs
    /// `work`, and frees the slot.
    private static func inSlot<Value>(_ work: () throws -> Value) rethrows -> Value {
        slots.wait()
        defer { slots.signal() }
        return try work()
    }

    /// Runs `auditlogs ARGUMENTS` to its end, with `input` on its standard input when given (else
    /// an empty one). The wait is on a thread of its own: blocking one of the few threads Swift
    /// concurrency runs the tests on (two, on a two-core machine) would hold every other test's
    /// timers and tasks for as long as the command runs.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws -> Output {
        try await offThePool {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let stdin = Pipe()
            process.standardInput = stdin
            // Written before the command runs: a line fits the pipe's buffer many times over.
            stdin.fileHandleForWriting.write(Data((input ?? "").utf8))
            try stdin.fileHandleForWriting.close()
            let (stdout, stderr) = try inSlot { try runToEnd(process) }
            return Output(status: process.terminationStatus, stdout: stdout, stderr: stderr)
        }
    }

    /// Runs `process` and returns what it wrote to each stream, read at the same time so that
    /// neither pipe can fill up and stall it.
    private static func runToEnd(_ process: Process) throws -> (stdout: String, stderr: String) {
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errors = Mutex(Data())
        let read = DispatchSemaphore(value: 0)
        // A thread of its own, not DispatchQueue.global(): on Linux Swift concurrency runs its
        // tasks on that same queue's few threads, and a reader blocked there for as long as
        // the command runs held every test's tasks and timers (40 s, with many commands).
        Thread.detachNewThread {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errors.withLock { $0 = data }
            read.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        read.wait()
        return (String(decoding: stdout, as: UTF8.self), String(decoding: errors.withLock { $0 }, as: UTF8.self))
    }

    /// Starts `auditlogs serve` in the background; stop it with `terminate()` or `kill(SIGKILL)`.
    /// Its log lines go to `logFile` when given, else nowhere.
    static func serve(
        database: String, port: Int, arguments: [String] = [], environment: [String: String] = [:], logFile: URL? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--database", database, "--port", String(port)] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        var log: FileHandle?
        if let logFile {
            // When it cannot be created, opening it below throws with the reason.
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
            log = try FileHandle(forWritingTo: logFile)
        }
        process.standardError = log ?? FileHandle.nullDevice
        try process.run()
        // The server has its own copy; this process keeps no descriptor open for it.
        try log?.close()
        return process
    }

    /// Runs `script` with /bin/sh in `directory`, as a person at a terminal would; its status
    /// and what it printed (both streams, one after the other).
    static func shell(_ script: String, in directory: URL) async throws -> (status: Int32, output: String) {
        try await offThePool {
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", "exec 2>&1; " + script]
            shell.currentDirectoryURL = directory
            let (said, _) = try inSlot { try runToEnd(shell) }
            return (shell.terminationStatus, said)
        }
    }
}
