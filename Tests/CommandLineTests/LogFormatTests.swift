import AuditLogCore
import Foundation
import Logging
import Testing

@testable import AuditLogBench

/// `serve --log-format json`: every line a run writes, at every level, is one JSON object with
/// its time, level and message, and a request's lines carry its request id and organization,
/// for a log pipeline to index.
@Suite struct LogFormatTests {
    @Test func everyLineOfARunIsOneJSONObjectWithTimeLevelAndMessage() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let key = try #require(try await Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        let logFile = URL(fileURLWithPath: database + ".log")
        let port = try ServerProcess.freePort()
        let server = try Command.serve(
            database: database, port: port, arguments: ["--log-format", "json"], environment: ["LOG_LEVEL": "trace"], logFile: logFile)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base, server)
        #expect(try await HTTP.ingest(base, key: key) == 201)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/organizations/acme/audit-logs"), token: "alk_unknown") == 401)
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)

        let text = try String(contentsOf: logFile, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(text.hasSuffix("\n"))
        #expect(lines.count >= 10, "\(text)")
        let levels = Set(Logger.Level.allCases.map(\.rawValue))
        var objects: [JSONValue] = []
        for line in lines {
            let object = try #require(try? JSONParser.parse(Array(line.utf8)), "not one JSON object: \(line)")
            #expect(object["time"]?.stringValue.flatMap { Timestamp(rfc3339: $0) } != nil, "\(line)")
            #expect(object["level"]?.stringValue.map(levels.contains) == true, "\(line)")
            #expect(object["message"]?.stringValue?.isEmpty == false, "\(line)")
            objects.append(object)
        }
        let ingested = try #require(objects.first { $0["message"]?.stringValue == "events ingested" }, "\(text)")
        #expect(ingested["organization"]?.stringValue == "acme")
        #expect((ingested["request_id"]?.stringValue?.count ?? 0) >= 16)
        #expect(ingested["metadata"]?["audit.created"]?.stringValue == "1")
        #expect(objects.contains { $0["message"]?.stringValue == "stopped" })
        // No key in any line, at trace level either.
        #expect(!text.contains(key))
    }

    @Test func aFormatTheEnvironmentNamesWronglyIsSaidAndTextIsWritten() async throws {
        let database = try Command.temporaryDatabase()
        let ran = try await Command.run(
            ["migrate", "--dry-run", "--database", database], environment: ["AUDITLOGS_LOG_FORMAT": "xml\u{1B}[31m"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stderr.contains("AUDITLOGS_LOG_FORMAT is not a log format; logging as text"), "\(ran.stderr)")
        // The value from outside is escaped in the line, not sent to the terminal.
        #expect(!ran.stderr.contains("\u{1B}"))
        #expect(!ran.stderr.hasPrefix("{"))
    }
}
