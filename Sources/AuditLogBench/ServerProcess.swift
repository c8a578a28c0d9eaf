import Foundation
import NIOCore
import NIOHTTP1

/// `auditlogs serve` in a process of its own, so that its memory is its own and the load
/// generator does not share its threads.
final class ServerProcess: Sendable {
    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Starts the server on a free loopback port and waits until `/health` answers.
    static func start(executable: String, database: String, directory: URL) async throws -> ServerProcess {
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        // Private destinations allowed: the lag workload's stream goes to a receiver on loopback.
        process.arguments = [
            "serve", "--database", database, "--host", "127.0.0.1", "--port", String(port), "--stream-allow-private",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "warning"
        process.environment = environment
        let log = directory.appendingPathComponent("server.log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path])
        }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let server = ServerProcess(port: port, process: process)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while clock.now < deadline {
            guard process.isRunning else {
                throw ServerFailed(reason: "exited with \(process.terminationStatus): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            if let answer = try? await HTTPLoadConnection.with(host: "127.0.0.1", port: port, { try await $0.send(.GET, "/health") }),
                answer.status == 200
            {
                return server
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        server.stop()
        throw ServerFailed(reason: "was not healthy within 60 seconds")
    }

    /// The most memory the server has held (VmHWM), in KiB.
    func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return 0 }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    struct ServerFailed: Error, CustomStringConvertible {
        var reason: String
        var description: String { "auditlogs serve \(reason)" }
    }

    /// A port nobody listens on now.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ServerFailed(reason: "could not get a port") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw ServerFailed(reason: "could not get a port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
