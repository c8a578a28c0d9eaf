import AuditLogCore
import AuditLogSQLite
import Foundation
import GRDB
import Testing

/// `auditlogs retention set|apply`: the policy and the purge from the command line, and
/// `verify` across the cut.
@Suite struct RetentionCommandTests {
    @Test func setApplyAndVerifyAcrossTheCut() async throws {
        let database = try await CredentialCommandTests.organizationWithAdmin()
        // 40 events received 100 days ago, then 3 now.
        let store = try SQLiteStore(path: database)
        let old = Timestamp.now.adding(days: -100)
        let events = (0..<40).map { index in
            NewEvent(
                id: "old\(index)", action: "UserLogin", occurredAt: old, actor: Actor(id: "u1", type: .user, name: "Ada"))
        }
        _ = try await store.append(events, organizationID: "acme", receivedAt: old)
        _ = try await store.append(
            [NewEvent(id: "new", action: "UserLogin", occurredAt: .now, actor: Actor(id: "u1", type: .user))], organizationID: "acme",
            receivedAt: .now)

        let nothing = try await Command.run(["retention", "apply", "--database", database])
        #expect(nothing.stdout == "No organization has a retention policy.\n")
        let set = try await Command.run(["retention", "set", "--database", database, "--org", "acme", "--days", "30"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout == "acme keeps its events 30 days after they were received.\n")

        let applied = try await Command.run(["retention", "apply", "--database", database, "--org", "acme"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout == "acme: purged 40 events, through sequence 40.\n")
        let again = try await Command.run(["retention", "apply", "--database", database])
        #expect(again.stdout == "acme: nothing to purge (kept from sequence 41).\n")

        let verified = try await Command.run(["verify", "--database", database, "--org", "acme"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("sequences 41–43 (1–40 purged by retention)"))

        let csv = try await Command.run(["export", "--database", database, "--org", "acme", "--from", old.adding(days: -1).rfc3339])
        #expect(!csv.stdout.contains("old1"))
        #expect(csv.stdout.contains("Set audit log retention to 30 days"))
        #expect(csv.stdout.contains("Deleted 40 audit log events older than 30 days"))

        let forever = try await Command.run(["retention", "set", "--database", database, "--org", "acme", "--keep-everything"])
        #expect(forever.stdout == "acme keeps every event.\n")
    }

    /// With the signing key, the cut is a signed record: in the chain, in the checkpoint log,
    /// and what verify starts from.
    @Test func aSignedPurgeSignsItsCutAndLogsIt() async throws {
        let database = try await CredentialCommandTests.organizationWithAdmin()
        let directory = URL(fileURLWithPath: database).deletingLastPathComponent()
        let key = directory.appendingPathComponent("key.pem").path
        let log = directory.appendingPathComponent("checkpoints.jsonl").path
        #expect(try await Command.run(["signing-key", "create", "--output", key]).status == 0)
        let store = try SQLiteStore(path: database)
        let old = Timestamp.now.adding(days: -100)
        _ = try await store.append(
            (0..<40).map { NewEvent(id: "old\($0)", action: "UserLogin", occurredAt: old, actor: Actor(id: "u1", type: .user)) },
            organizationID: "acme", receivedAt: old)
        let signed = try await Command.run(
            ["checkpoint", "--database", database, "--org", "acme", "--signing-key", key, "--checkpoint-log", log])
        #expect(signed.status == 0, "\(signed.stderr)")
        _ = try await Command.run(["retention", "set", "--database", database, "--org", "acme", "--days", "30"])

        let applied = try await Command.run(
            ["retention", "apply", "--database", database, "--signing-key", key, "--checkpoint-log", log])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout == "acme: purged 40 events, through sequence 40.\n")
        let records = Checkpoint.records(in: Array(try Data(contentsOf: URL(fileURLWithPath: log))))
        #expect(records.map(\.type) == ["checkpoint", "retention_cut"])
        #expect(records.last?.sequence == 40)
        #expect(records.last?.retentionCut?.days == 30)

        let verified = try await Command.run(["verify", "--database", database, "--org", "acme", "--signing-key", key])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("(1–40 purged by retention)"))
    }

    @Test func badArgumentsAreRefused() async throws {
        let database = try await CredentialCommandTests.organizationWithAdmin()
        for arguments in [["--days", "0"], ["--days", "36501"], [], ["--days", "5", "--keep-everything"]] {
            let result = try await Command.run(["retention", "set", "--database", database, "--org", "acme"] + arguments)
            #expect(result.status != 0, "\(arguments)")
        }
        let unknown = try await Command.run(["retention", "set", "--database", database, "--org", "nobody", "--days", "5"])
        #expect(unknown.stderr.contains("There is no organization nobody"))
    }
}
