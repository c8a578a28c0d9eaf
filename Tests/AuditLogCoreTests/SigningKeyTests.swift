import AuditLogCore
import AuditLogTestSupport
import Foundation
import Testing

/// Signing keys are files OpenSSL reads, and signatures are ones `openssl pkeyutl` accepts: an
/// auditor checks them with nothing of ours.
@Suite struct SigningKeyTests {
    /// Runs `openssl ARGUMENTS` to its end, on a thread of its own rather than one of the tests'.
    static func openssl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await offThePool { try runOpenSSL(arguments) }
    }

    private static func runOpenSSL(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func temporaryFile(_ name: String, _ contents: some DataProtocol) throws -> String {
        let path = try TestDatabase.temporaryPath(name)
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func opensslReadsTheKeysAndAcceptsTheSignatures() async throws {
        let key = SigningKey()
        let privatePath = try Self.temporaryFile("key.pem", Data(key.pem.utf8))
        let derived = try await Self.openssl(["pkey", "-in", privatePath, "-pubout"])
        #expect(derived.status == 0, "\(derived.output)")
        #expect(derived.output == key.publicKey.pem)

        // A message with odd Unicode: signatures are over bytes.
        let message = Array("{\"name\":\"Jose\u{0301} 👩🏽‍💻 \u{2028}\"}".utf8)
        let signature = try key.signature(for: message)
        let publicPath = try Self.temporaryFile("key.pub", Data(key.publicKey.pem.utf8))
        let messagePath = try Self.temporaryFile("message", message)
        let signaturePath = try Self.temporaryFile("message.sig", signature)
        let verified = try await Self.openssl([
            "pkeyutl", "-verify", "-pubin", "-inkey", publicPath, "-rawin", "-in", messagePath, "-sigfile", signaturePath,
        ])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(key.publicKey.isValidSignature(signature, for: message))

        let tampered = try Self.temporaryFile("tampered", message.dropLast() + [UInt8(ascii: "]")])
        let rejected = try await Self.openssl([
            "pkeyutl", "-verify", "-pubin", "-inkey", publicPath, "-rawin", "-in", tampered, "-sigfile", signaturePath,
        ])
        #expect(rejected.status != 0)
        #expect(!key.publicKey.isValidSignature(signature, for: message.dropLast() + [UInt8(ascii: "]")]))
    }

    @Test func keysReadBackAsTheyWereWrittenAndForeignFilesAreRefused() async throws {
        let key = SigningKey()
        let again = try SigningKey(pem: key.pem)
        #expect(again.publicKey == key.publicKey)
        #expect(try VerifyingKey(pem: key.publicKey.pem) == key.publicKey)
        // A private key's file also gives its public half.
        #expect(try VerifyingKey(pem: key.pem) == key.publicKey)
        #expect(key.publicKey.id.count == 16)
        #expect(key.publicKey.id != SigningKey().publicKey.id)

        // OpenSSL's own Ed25519 key reads; an RSA key and garbage are refused with a clear error.
        let generated = try await Self.openssl(["genpkey", "-algorithm", "ed25519"])
        #expect(generated.status == 0)
        #expect(throws: Never.self) { try SigningKey(pem: generated.output) }
        let rsa = try await Self.openssl(["genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:1024"])
        #expect(throws: AuditLogError.self) { try SigningKey(pem: rsa.output) }
        #expect(throws: AuditLogError.self) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n") }
        #expect(throws: AuditLogError.self) { try VerifyingKey(pem: "") }
    }
}
