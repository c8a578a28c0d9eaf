import AuditLogCore
import Foundation
import Testing

@testable import AuditLogBench

/// `serve --config FILE`, the `AUDITLOGS_<NAME>` variables and `auditlogs config check`: a flag
/// wins over its variable, a variable over the file, the file over the default; a wrong value
/// or an unknown key stops the command with the setting's name as the operator wrote it.
@Suite struct ConfigCommandTests {
    /// A new directory with `files` (name → text) written in it, owner-only.
    func directory(_ files: [String: String]) throws -> URL {
        let directory = URL(fileURLWithPath: try Command.temporaryDatabase()).deletingLastPathComponent()
        for (name, text) in files {
            let path = directory.appendingPathComponent(name).path
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
        }
        return directory
    }

    /// The value and source `config check` printed for `key`.
    func shown(_ key: String, in output: Command.Output) -> (value: String, source: String)? {
        for line in output.lines {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard words.count >= 3, words[0] == key, let source = words.last, source.hasPrefix("(") else { continue }
            return (words[1..<(words.count - 1)].joined(separator: " "), String(source.dropFirst().dropLast()))
        }
        return nil
    }

    @Test func aFlagWinsOverItsVariableAVariableOverTheFileTheFileOverTheDefault() async throws {
        let folder = try directory([
            "serve.yaml": """
            # Settings of the production replicas.
            host: 10.0.0.1
            port: 8443
            drain-delay: 7
            trusted-proxy:
              - 10.0.0.0/8
              - fd00::/8
            frame-ancestor: https://platform.example
            demo: yes
            """
        ])
        let file = folder.appendingPathComponent("serve.yaml").path
        let output = try await Command.run(
            ["config", "check", "--config", file, "--host", "0.0.0.0"],
            environment: ["AUDITLOGS_DRAIN_DELAY": "5", "AUDITLOGS_MAX_CONNECTIONS": "", "AUDITLOGS_RETENTION_INTERVAL": "60"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(shown("host", in: output)! == ("0.0.0.0", "flag"))
        #expect(shown("drain-delay", in: output)! == ("5", "environment"))
        #expect(shown("retention-interval", in: output)! == ("60", "environment"))
        #expect(shown("port", in: output)! == ("8443", "file"))
        #expect(shown("trusted-proxy", in: output)! == ("10.0.0.0/8, fd00::/8", "file"))
        #expect(shown("frame-ancestor", in: output)! == ("https://platform.example", "file"))
        #expect(shown("demo", in: output)! == ("true", "file"))
        // An empty variable is no value at all.
        #expect(shown("max-connections", in: output)! == ("1000", "default"))
        #expect(shown("idle-timeout", in: output)! == ("60", "default"))
        // A default that follows from others is shown as it will be: off loopback, HTTPS-only.
        #expect(shown("secure-cookies", in: output)! == ("true (TLS or not loopback)", "default"))
        #expect(output.lines.last == "The settings are valid.")

        // A variable no setting reads is most likely misspelt: said, not silently ignored.
        let misspelt = try await Command.run(
            ["config", "check", "--config", file], environment: ["AUDITLOGS_PROT": "9000", "AUDITLOGS_DRAIN_DELAY": "5"])
        #expect(misspelt.status == 0)
        #expect(misspelt.stderr.contains("Warning: AUDITLOGS_PROT is set, but no setting of auditlogs reads it."), "\(misspelt.stderr)")
        #expect(!misspelt.stderr.contains("AUDITLOGS_DRAIN_DELAY"))

        // AUDITLOGS_CONFIG names the file when --config does not.
        let byVariable = try await Command.run(["config", "check"], environment: ["AUDITLOGS_CONFIG": file])
        #expect(shown("port", in: byVariable)! == ("8443", "file"))
    }

    @Test func aPasswordInTheDatabaseURLIsNeverPrintedAndAFileOthersCanReadIsWarnedOf() async throws {
        let folder = try directory(["serve.yaml": "database: postgres://audit:s3cr%40t-pass@db.internal:5432/audit\n"])
        let file = folder.appendingPathComponent("serve.yaml").path
        let owned = try await Command.run(["config", "check", "--config", file])
        #expect(owned.status == 0, "\(owned.stderr)")
        #expect(shown("database", in: owned)?.value == "postgres://audit:***@db.internal:5432/audit")
        #expect(!owned.stdout.contains("s3cr") && !owned.stderr.contains("s3cr"))
        #expect(!owned.stderr.contains("can be read by other users"))

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let shared = try await Command.run(["config", "check", "--config", file])
        #expect(shared.stderr.contains("Warning: \(file) can be read by other users (mode 644)"), "\(shared.stderr)")
        #expect(!shared.stderr.contains("s3cr"))
    }

    @Test func wrongValuesAndUnknownKeysAreNamedAsTheOperatorWroteThem() async throws {
        let cases: [(files: [String: String], arguments: [String], environment: [String: String], error: String)] = [
            (["a.yaml": "port: 8443\nprot: 9000\n"], [], [:], "a.yaml, line 2: prot is not a setting of serve"),
            (["a.yaml": "port: eighty\n"], [], [:], "port in {a.yaml} must be a whole number."),
            (["a.yaml": "port: 8443\n"], [], ["AUDITLOGS_PORT": "x1"], "AUDITLOGS_PORT must be a whole number."),
            (["a.yaml": "port: 70000\n"], [], [:], "port in {a.yaml} must be from 1 to 65535; it is 70000."),
            (["a.yaml": ""], ["--port", "0"], [:], "--port must be from 1 to 65535; it is 0."),
            (["a.yaml": "demo: maybe\n"], [], [:], "demo in {a.yaml} must be true or false."),
            (["a.yaml": "log-format: xml\n"], [], [:], "log-format in {a.yaml} must be text or json."),
            (["a.yaml": "trusted-proxy: 10.0.0.0/33\n"], [], [:], "trusted-proxy in {a.yaml}: 10.0.0.0/33 is not an IP address or CIDR block"),
            (["a.yaml": ""], [], ["AUDITLOGS_TRUSTED_PROXY": "10.0.0.0/8,proxy.internal"], "AUDITLOGS_TRUSTED_PROXY: proxy.internal is not"),
            (["a.yaml": "tls-certificate: /etc/cert.pem\n"], [], [:], "TLS needs both a certificate chain and its key"),
            (["a.yaml": "- port\n- 8443\n"], [], [:], "{a.yaml} must be a mapping of settings"),
            (["a.yaml": "port: [8443\n"], [], [:], "{a.yaml} is not valid YAML"),
            (["a.yaml": "checkpoint-interval: 600\nmax-unsigned-age: 300\n"], [], [:], "max-unsigned-age in {a.yaml} must be from 600 to"),
        ]
        for (files, arguments, environment, error) in cases {
            let folder = try directory(files)
            let file = folder.appendingPathComponent("a.yaml").path
            let output = try await Command.run(["config", "check", "--config", file] + arguments, environment: environment)
            #expect(output.status != 0, "\(files)")
            let expected = "Error: " + error.replacingOccurrences(of: "{a.yaml}", with: file)
            #expect(output.stderr.contains(expected.replacingOccurrences(of: "Error: a.yaml", with: "Error: \(file)")), "\(output.stderr)")
            // serve refuses the same settings, before it opens anything.
            let serve = try await Command.run(["serve", "--config", file] + arguments, environment: environment)
            #expect(serve.status != 0 && serve.stderr == output.stderr, "\(serve.stderr)")
        }
        let missing = try await Command.run(["config", "check", "--config", "/nonexistent/serve.yaml"])
        #expect(missing.stderr.contains("Cannot read the configuration file /nonexistent/serve.yaml"))
    }

    @Test func keyAndTLSFilesAreReadByTheCheckAndAWrongOneIsNamed() async throws {
        let folder = try directory([:])
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let made = try await Command.shell(
            """
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
              -keyout key.pem -out cert.pem 2>/dev/null &&
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
              -keyout other-key.pem -out other-cert.pem 2>/dev/null
            """, in: folder)
        #expect(made.status == 0, "\(made.output)")
        _ = try await Command.run(["signing-key", "create", "--output", path("signing.pem")])

        let good = try await Command.run([
            "config", "check", "--tls-certificate", path("cert.pem"), "--tls-key", path("key.pem"), "--signing-key", path("signing.pem"),
        ])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.lines.last == "The settings are valid; read the signing key, the TLS certificate chain and key.", "\(good.stdout)")

        let mismatched = try await Command.run(["config", "check", "--tls-certificate", path("cert.pem"), "--tls-key", path("other-key.pem")])
        #expect(mismatched.status != 0)
        #expect(mismatched.stderr.contains("The private key in \(path("other-key.pem")) does not go with the certificate"), "\(mismatched.stderr)")
        let notACertificate = try await Command.run(["config", "check", "--tls-certificate", path("key.pem"), "--tls-key", path("key.pem")])
        #expect(notACertificate.stderr.contains(path("key.pem")) && notACertificate.status != 0, "\(notACertificate.stderr)")
        let noKeyFile = try await Command.run(["config", "check", "--signing-key", path("missing.pem")])
        #expect(noKeyFile.stderr.contains("Cannot read the key file \(path("missing.pem"))"), "\(noKeyFile.stderr)")
    }

    @Test func serveRunsWithTheFilesSettings() async throws {
        let database = try Command.temporaryDatabase()
        let operatorPort = try ServerProcess.freePort()
        let folder = URL(fileURLWithPath: database).deletingLastPathComponent()
        let file = folder.appendingPathComponent("serve.yaml")
        try Data("log-format: json\noperator-port: \(operatorPort)\n".utf8).write(to: file)
        let logFile = URL(fileURLWithPath: database + ".log")
        let port = try ServerProcess.freePort()
        let server = try Command.serve(database: database, port: port, arguments: ["--config", file.path], logFile: logFile)
        defer { if server.isRunning { server.terminate() } }
        try await HTTP.waitUntilHealthy(URL(string: "http://127.0.0.1:\(port)")!, server)
        #expect(try await HTTP.get(URL(string: "http://127.0.0.1:\(operatorPort)/livez")!, token: "none") == 200)
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        let lines = try String(contentsOf: logFile, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") }, "\(lines)")
    }

    @Test func theFileREADMEShowsIsValidWithItsKeysAndTLSFilesInPlace() async throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"),
            encoding: .utf8)
        let section = try #require(readme.range(of: "### The configuration file"))
        let opening = try #require(readme.range(of: "```yaml\n", range: section.upperBound..<readme.endIndex))
        let closing = try #require(readme.range(of: "```", range: opening.upperBound..<readme.endIndex))
        let folder = try directory([:])
        let made = try await Command.shell(
            """
            mkdir tls keys &&
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
              -keyout tls/key.pem -out tls/fullchain.pem 2>/dev/null
            """, in: folder)
        #expect(made.status == 0, "\(made.output)")
        _ = try await Command.run(["signing-key", "create", "--output", folder.appendingPathComponent("keys/signing.pem").path])
        _ = try await Command.run(["stream-key", "create", "--output", folder.appendingPathComponent("keys/stream.key").path])
        let file = folder.appendingPathComponent("serve.yaml")
        let yaml = readme[opening.upperBound..<closing.lowerBound].replacingOccurrences(of: "/etc/auditlogs/", with: folder.path + "/")
        try Data(yaml.utf8).write(to: file)
        let output = try await Command.run(["config", "check", "--config", file.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.lines.last == "The settings are valid; read the signing key, the stream key, the TLS certificate chain and key.")
        #expect(shown("trusted-proxy", in: output)! == ("10.0.0.0/8", "file"))
        #expect(!output.stdout.contains("secret@"))
    }
}
