import AuditLogCore
import AuditLogServer
import Foundation
import Testing

/// `serve --checkpoint-log`: every signed record appended as a line, owner-only, read back by a
/// restarted service and by an auditor's `verify --trusted-checkpoint`.
@Suite struct CheckpointLogTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("checkpoints-\(UUID().uuidString).jsonl").path
    }

    @Test func everyRecordTheServiceSignsIsAppendedAsALineAndReadBack() async throws {
        let world = try await TestWorld.make()
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let notary = Notary(key: TestWorld.signingKey, witnesses: [try CheckpointLog(path: path)])
        let service = AuditLogService(store: world.store, notary: notary, now: { world.clock.now })

        try await world.seed([Events.make(id: "a1")])
        try await world.seed([Events.make(id: "g1")], in: "globex")
        let first = try #require(try await service.signCheckpoint(organizationID: "acme"))
        let globex = try #require(try await service.signCheckpoint(organizationID: "globex"))
        // Nothing new: nothing signed, nothing appended.
        #expect(try await service.signCheckpoint(organizationID: "acme") == first)
        try await world.seed([Events.make(id: "a2")])
        let second = try #require(try await service.signCheckpoint(organizationID: "acme"))

        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.hasSuffix("\n"))
        #expect(Checkpoint.records(in: Array(text.utf8)) == [first, globex, second])
        // Each line is the record as the API shows it: its signature last.
        #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("{\"head_hash\"") && $0.contains(",\"signature\":\"") })
        #expect(try CheckpointLog.latestRecords(path: path) == [second, globex])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aLargeLogIsReadFromItsTail() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = SigningKey()
        var previous: Checkpoint?
        var lines = ""
        for sequence in 1...50 {
            let record = try Checkpoint.signed(
                organizationID: sequence == 3 ? "globex" : "acme", sequence: Int64(sequence), headHash: Array(repeating: UInt8(sequence), count: 32),
                at: Timestamp(milliseconds: 1_800_000_000_000), after: previous, with: key)
            previous = record
            var json = JSONWriter()
            record.write(to: &json)
            lines += json.text + "\n"
        }
        try Data(lines.utf8).write(to: URL(fileURLWithPath: path))
        // The tail starts inside a line: that line is skipped, the rest read.
        let tail = try CheckpointLog.latestRecords(path: path, tailBytes: 1_000)
        #expect(tail.map(\.sequence) == [50])
        #expect(try CheckpointLog.latestRecords(path: path).map { "\($0.organizationID)@\($0.sequence)" } == ["acme@50", "globex@3"])
        #expect(try CheckpointLog.latestRecords(path: path + ".missing") == [])
    }

    @Test func aLogThatCannotBeWrittenFailsWhenOpened() {
        #expect(throws: AuditLogError.self) { try CheckpointLog(path: "/nonexistent-directory/checkpoints.jsonl") }
    }
}
