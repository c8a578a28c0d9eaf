import AuditLogCore
import AuditLogPasswords
import AuditLogSQLite
import Foundation
import GRDB
import Testing

/// No secret needs a command line, which every user of the machine can read and shells keep:
/// passwords come from standard input or the environment, streams' secrets and tokens from files.
@Suite struct SecretInputCommandTests {
    static func passwordWorks(_ password: String, email: String = "ada@acme.test", database: String) async throws -> Bool {
        let hash = try #require(try await SQLiteStore(path: database).member(email: email)).passwordHash
        return try await BcryptPasswordHasher(cost: 4).verify(password, against: hash)
    }

    static func organization() async throws -> String {
        let database = try Command.temporaryDatabase()
        let made = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        #expect(made.status == 0, "\(made.stderr)")
        return database
    }

    static let addAda = ["member", "add", "--org", "acme", "--email", "ada@acme.test", "--name", "Ada", "--role", "admin"]

    @Test func aPasswordComesFromTheFirstLineOfStandardInput() async throws {
        let database = try await Self.organization()
        let added = try await Command.run(
            Self.addAda + ["--database", database, "--password-stdin"], input: "stdin password  1\nsecond line\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try await Self.passwordWorks("stdin password  1", database: database))

        let changed = try await Command.run(
            ["member", "password", "--database", database, "--email", "ada@acme.test", "--password-stdin"], input: "changed password 2")
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try await Self.passwordWorks("changed password 2", database: database))
        let crlf = try await Command.run(
            ["member", "password", "--database", database, "--email", "ada@acme.test", "--password-stdin"], input: "windows password\r\n")
        #expect(crlf.status == 0, "\(crlf.stderr)")
        #expect(try await Self.passwordWorks("windows password", database: database))
    }

    @Test func anEmptyOrMissingPasswordIsRefusedAndNothingIsMade() async throws {
        let database = try await Self.organization()
        for input in ["", "\n", "\nlong enough password\n"] {
            let refused = try await Command.run(Self.addAda + ["--database", database, "--password-stdin"], input: input)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("--password-stdin: standard input held no password"), "\(refused.stderr)")
        }
        let short = try await Command.run(Self.addAda + ["--database", database, "--password-stdin"], input: "short\n")
        #expect(short.status != 0)
        #expect(short.stderr.contains("The password must be at least 10 characters"), "\(short.stderr)")
        let none = try await Command.run(Self.addAda + ["--database", database])
        #expect(none.status != 0)
        #expect(none.stderr.contains("Give the password on standard input (--password-stdin), in $AUDITLOGS_PASSWORD, or with --password."))
        let both = try await Command.run(
            Self.addAda + ["--database", database, "--password-stdin", "--password", "long enough password"], input: "other password\n")
        #expect(both.status != 0)
        #expect(both.stderr.contains("Give --password-stdin or --password, not both."))
        #expect(try await SQLiteStore(path: database).member(email: "ada@acme.test") == nil)
    }

    @Test func aPasswordComesFromTheEnvironmentAndTheOldFlagStillWorks() async throws {
        let database = try await Self.organization()
        let added = try await Command.run(
            Self.addAda + ["--database", database], environment: ["AUDITLOGS_PASSWORD": "environment password"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try await Self.passwordWorks("environment password", database: database))
        let flag = try await Command.run([
            "member", "password", "--database", database, "--email", "ada@acme.test", "--password", "flag password 3",
        ])
        #expect(flag.status == 0, "\(flag.stderr)")
        #expect(try await Self.passwordWorks("flag password 3", database: database))
    }

    @Test func aStreamsSecretAndTokenComeFromFiles() async throws {
        let database = try await Self.organization()
        let directory = URL(fileURLWithPath: database).deletingLastPathComponent()
        let secretFile = directory.appendingPathComponent("secret").path
        let tokenFile = directory.appendingPathComponent("token").path
        #expect(
            FileManager.default.createFile(
                atPath: secretFile, contents: Data("whsec-from-a-file-0123\n".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(
            FileManager.default.createFile(atPath: tokenFile, contents: Data("hec-token-from-a-file".utf8), attributes: [.posixPermissions: 0o644]))

        let added = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://splunk.example/services/collector/event",
            "--format", "splunk_hec", "--secret-file", secretFile, "--token-file", tokenFile,
        ])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.lines.last == "whsec-from-a-file-0123")
        // The token's file is readable by others: used, with a warning; the secret's is not.
        #expect(added.stderr.contains("Warning: \(tokenFile) can be read by other users (mode 644)"), "\(added.stderr)")
        #expect(!added.stderr.contains(secretFile))
        let (storedSecret, storedToken) = try await DatabaseQueue(path: database).read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT secret, token FROM log_streams"))
            return (row["secret"] as String, row["token"] as String?)
        }
        #expect(storedSecret == "whsec-from-a-file-0123")
        #expect(storedToken == "hec-token-from-a-file")

        let empty = directory.appendingPathComponent("empty").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data("\n".utf8), attributes: [.posixPermissions: 0o600]))
        let refused = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://x.example/", "--token-file", empty,
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--token-file: \(empty) is empty; it must hold the token."), "\(refused.stderr)")
        let missing = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://x.example/", "--secret-file", empty + ".none",
        ])
        #expect(missing.stderr.contains("--secret-file: cannot read \(empty).none."), "\(missing.stderr)")
        let both = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://x.example/", "--secret-file", secretFile,
            "--secret", "whsec-on-the-line-0123",
        ])
        #expect(both.stderr.contains("Give --secret-file or --secret, not both."))
        #expect(try await DatabaseQueue(path: database).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM log_streams") } == 1)
    }

    @Test func helpShowsTheFormsThatKeepSecretsOffTheCommandLineFirst() async throws {
        for (arguments, safe, unsafe) in [
            (["member", "add", "--help"], "--password-stdin", "--password <password>"),
            (["member", "password", "--help"], "--password-stdin", "--password <password>"),
            (["stream", "add", "--help"], "--secret-file <path>", "--secret <secret>"),
            (["stream", "add", "--help"], "--token-file <path>", "--token <token>"),
        ] {
            let help = try await Command.run(arguments).stdout
            let safeAt = try #require(help.range(of: safe), "\(arguments): \(help)")
            let unsafeAt = try #require(help.range(of: unsafe), "\(arguments): \(help)")
            #expect(safeAt.lowerBound < unsafeAt.lowerBound, "\(arguments): \(help)")
        }
    }
}
