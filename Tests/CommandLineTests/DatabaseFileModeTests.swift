import Foundation
import Testing

@testable import AuditLogBench

/// The SQLite database holds every organization's events and its credentials' hashes: it and
/// the -wal and -shm files beside it are readable by their owner only, like key files, whatever
/// the umask of whoever started the service.
@Suite struct DatabaseFileModeTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test(arguments: ["022", "000"])
    func theDatabaseAndItsWALAndSharedMemoryFilesAreOwnerOnly(umask: String) async throws {
        let database = try Command.temporaryDatabase()
        let port = try ServerProcess.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/bin/sh")
        server.arguments = [
            "-c", "umask \(umask) && exec \"$0\" serve --database \"$1\" --port \"$2\"", Command.executable.path, database, String(port),
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        try await HTTP.waitUntilHealthy(URL(string: "http://127.0.0.1:\(port)")!, server)

        // SQLite makes the -shm and -wal files when the first connection reads and writes.
        let files = [database, database + "-wal", database + "-shm"]
        let deadline = ContinuousClock.now + .seconds(30)
        while !files.allSatisfy(FileManager.default.fileExists), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        for file in files {
            #expect(try Self.mode(file) == 0o600, "\(file) under umask \(umask)")
        }
        // A file made the usual way under the same umask is not owner-only: the umask held.
        let control = URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent("control").path
        let made = try await Command.shell("umask \(umask) && touch \(control)", in: URL(fileURLWithPath: "/"))
        #expect(made.status == 0)
        #expect(try Self.mode(control) == (umask == "000" ? 0o666 : 0o644))
    }
}
