import AuditLogCore
import Foundation
import GRDB
import Testing

@Suite struct VerifyCommandTests {
    /// A demo database, and beside it a signing key (`key.pem`) and its public key (`key.pub`).
    static func demoWithSigningKey() async throws -> (database: String, directory: URL) {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["demo", "--database", database])
        let directory = URL(fileURLWithPath: database).deletingLastPathComponent()
        let key = directory.appendingPathComponent("key.pem").path
        #expect(try await Command.run(["signing-key", "create", "--output", key]).status == 0)
        try Data(try await Command.run(["signing-key", "public", "--signing-key", key]).stdout.utf8)
            .write(to: directory.appendingPathComponent("key.pub"))
        return (database, directory)
    }

    @Test func verifyPassesAnIntactLogAndNamesTheFirstBrokenSequenceOtherwise() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["demo", "--database", database])

        let intact = try await Command.run(["verify", "--database", database, "--org", "acme"])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.hasPrefix("Intact: "))

        // Someone with the database file edits one event's Details.
        let queue = try DatabaseQueue(path: database)
        try await queue.write { db in
            try db.execute(sql: "UPDATE events SET details = coalesce(details, '') || ' (edited)' WHERE organization_id = 'acme' AND sequence = 42")
        }
        let broken = try await Command.run(["verify", "--database", database, "--org", "acme"])
        #expect(broken.status == 1)
        #expect(broken.stdout.hasPrefix("BROKEN at sequence 42: event 42 does not match its hash"), "\(broken.stdout)")

        // Other organizations are not affected; an unknown one is a clear error.
        #expect(try await Command.run(["verify", "--database", database, "--org", "globex"]).status == 0)
        let unknown = try await Command.run(["verify", "--database", database, "--org", "nobody"])
        #expect(unknown.status != 0 && unknown.stderr.contains("There is no organization nobody."))
    }

    /// An auditor keeps a checkpoint (as `auditlogs checkpoint` prints it, or a line of the
    /// checkpoint log) and gives it to verify: it must still be in the chain.
    @Test func aTrustedCheckpointMustStillBeInTheChain() async throws {
        let (database, directory) = try await Self.demoWithSigningKey()
        let key = directory.appendingPathComponent("key.pem").path
        let publicKey = directory.appendingPathComponent("key.pub").path
        let log = directory.appendingPathComponent("checkpoints.jsonl").path
        let signed = try await Command.run(
            ["checkpoint", "--database", database, "--org", "acme", "--signing-key", key, "--checkpoint-log", log])
        #expect(signed.status == 0, "\(signed.stderr)")
        let kept = directory.appendingPathComponent("kept.json").path
        try Data(signed.stdout.utf8).write(to: URL(fileURLWithPath: kept))
        #expect(try String(contentsOfFile: log, encoding: .utf8) == signed.stdout)

        for witness in [kept, log] {
            let verified = try await Command.run(
                ["verify", "--database", database, "--org", "acme", "--public-key", publicKey, "--trusted-checkpoint", witness])
            #expect(verified.status == 0, "\(verified.stdout)")
            #expect(verified.stdout.contains("1 trusted checkpoints found in the chain"))
        }
        let foreign = try await Command.run(
            ["verify", "--database", database, "--org", "globex", "--public-key", publicKey, "--trusted-checkpoint", kept])
        #expect(foreign.status != 0 && foreign.stderr.contains("holds no checkpoint of globex"))

        // The checkpoint deleted and the events it covered rewritten, hashes and all.
        let queue = try DatabaseQueue(path: database)
        try await queue.write { db in try db.execute(sql: "DELETE FROM checkpoints WHERE organization_id = 'acme'") }
        let caught = try await Command.run(
            ["verify", "--database", database, "--org", "acme", "--public-key", publicKey, "--trusted-checkpoint", kept])
        #expect(caught.status == 1)
        #expect(caught.stdout.contains("the trusted checkpoint at"), "\(caught.stdout)")
        #expect(caught.stdout.contains("is not in the chain"))
    }

    @Test func checkpointsAreSignedWithAKeyFileAndVerifiedWithItsPublicKey() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["demo", "--database", database])
        let directory = URL(fileURLWithPath: database).deletingLastPathComponent()
        let keyPath = directory.appendingPathComponent("signing.pem").path

        let created = try await Command.run(["signing-key", "create", "--output", keyPath])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("-----BEGIN PUBLIC KEY-----"))
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let original = try Data(contentsOf: URL(fileURLWithPath: keyPath))
        let again = try await Command.run(["signing-key", "create", "--output", keyPath])
        #expect(again.status != 0 && again.stderr.contains("never overwritten"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: keyPath)) == original)

        let publicKey = try await Command.run(["signing-key", "public", "--signing-key", keyPath])
        let publicPath = directory.appendingPathComponent("signing.pub").path
        try Data(publicKey.stdout.utf8).write(to: URL(fileURLWithPath: publicPath))

        let checkpoint = try await Command.run(["checkpoint", "--database", database, "--org", "acme", "--signing-key", keyPath])
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        let statement = try #require(checkpoint.lines.first)

        // Checked with the public key, the signing key, or the environment's; not without one.
        for arguments in [["--public-key", publicPath], ["--signing-key", keyPath]] {
            let verified = try await Command.run(["verify", "--database", database, "--org", "acme"] + arguments)
            #expect(verified.status == 0, "\(verified.stdout)")
            #expect(verified.stdout.contains("1 signed records"))
        }
        #expect(
            try await Command.run(["verify", "--database", database, "--org", "acme"], environment: ["AUDITLOGS_SIGNING_KEY": keyPath]).status == 0)
        let unchecked = try await Command.run(["verify", "--database", database, "--org", "acme"])
        #expect(unchecked.status == 1)
        #expect(unchecked.stdout.contains("cannot be checked without the signing key's public key"))

        // An auditor checks the statement with sed, base64 and openssl alone (docs/INTEGRITY.md).
        let statementPath = directory.appendingPathComponent("checkpoint.json").path
        try Data(statement.utf8).write(to: URL(fileURLWithPath: statementPath))
        let script = """
            sed -E 's/,"signature":"[^"]*"}$/}/' checkpoint.json > signed.json && \
            sed -E 's/.*"signature":"([^"]*)"}$/\\1/' checkpoint.json | base64 -d > checkpoint.sig && \
            openssl pkeyutl -verify -pubin -inkey signing.pub -rawin -in signed.json -sigfile checkpoint.sig
            """
        let (status, said) = try await Command.shell(script, in: directory)
        #expect(status == 0, "\(said)")
        #expect(said.contains("Signature Verified Successfully"))
    }

    @Test func anExportIsVerifiedOfflineByTheCommandAndByStandardTools() async throws {
        let (database, directory) = try await Self.demoWithSigningKey()
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        let export = try await Command.run([
            "export", "--database", database, "--org", "acme", "--action", "MemberInvited", "--manifest", path("export.manifest.json"),
            "--signing-key", path("key.pem"),
        ])
        #expect(export.status == 0, "\(export.stderr)")
        try Data(export.stdout.utf8).write(to: URL(fileURLWithPath: path("export.csv")))

        let verified = try await Command.run(["verify-export", path("export.csv"), path("export.manifest.json"), "--public-key", path("key.pub")])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.hasPrefix("Verified: "))

        // One changed cell, and the command says so.
        let changed = export.stdout.replacingOccurrences(of: ",MemberInvited,", with: ",MemberRemoved,")
        try Data(changed.utf8).write(to: URL(fileURLWithPath: path("changed.csv")))
        let refused = try await Command.run(["verify-export", path("changed.csv"), path("export.manifest.json"), "--public-key", path("key.pub")])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("the CSV is not the one the manifest describes"), "\(refused.stdout)")

        // The auditor's check with sha256sum, sed, base64 and openssl alone (docs/INTEGRITY.md).
        let script = """
            set -e
            grep -q "\\"csv_sha256\\":\\"$(sha256sum export.csv | cut -d ' ' -f 1)\\"" export.manifest.json
            sed -E 's/,"signature":"[^"]*"}$/}/' export.manifest.json > statement.json
            sed -E 's/.*"signature":"([^"]*)"}$/\\1/' export.manifest.json | base64 -d > manifest.sig
            openssl pkeyutl -verify -pubin -inkey key.pub -rawin -in statement.json -sigfile manifest.sig
            ! grep -q "\\"csv_sha256\\":\\"$(sha256sum changed.csv | cut -d ' ' -f 1)\\"" export.manifest.json
            """
        let (status, said) = try await Command.shell(script, in: directory)
        #expect(status == 0, "\(said)")
        #expect(said.contains("Signature Verified Successfully"))
    }

    @Test func aJSONLinesExportIsVerifiedOfflineToo() async throws {
        let (database, directory) = try await Self.demoWithSigningKey()
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        let export = try await Command.run([
            "export", "--database", database, "--org", "acme", "--format", "jsonl", "--action", "MemberInvited",
            "--manifest", path("export.manifest.json"), "--signing-key", path("key.pem"),
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let lines = export.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { (try? JSONParser.parse(Array($0.utf8)))?["action"]?.stringValue == "MemberInvited" })
        try Data(export.stdout.utf8).write(to: URL(fileURLWithPath: path("export.jsonl")))
        let verified = try await Command.run(["verify-export", path("export.jsonl"), path("export.manifest.json"), "--public-key", path("key.pub")])
        #expect(verified.status == 0, "\(verified.stdout)")

        // The first event dropped, and the command says so.
        try Data(lines.dropFirst().map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path("shorter.jsonl")))
        let refused = try await Command.run(["verify-export", path("shorter.jsonl"), path("export.manifest.json"), "--public-key", path("key.pub")])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("the JSON Lines file is not the one the manifest describes"), "\(refused.stdout)")
        let wrong = try await Command.run(["export", "--database", database, "--org", "acme", "--format", "xml"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("xml"))
    }
}
