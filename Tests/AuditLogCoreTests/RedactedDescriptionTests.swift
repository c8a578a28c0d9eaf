import AuditLogCore
import Foundation
import Testing

/// Key material never shows however a key, or a value holding one, is printed: the way a
/// library's `debug` line prints a list of services, `dump`, interpolation.
@Suite struct RedactedDescriptionTests {
    /// A value nested as a service holding a key is, printed by Swift's default description.
    struct Holder {
        var name = "checkpoints"
        var key: SigningKey?
        var keys: [StreamCredentialKey]
        var streams: [String: LogStream]
    }

    /// Every way Swift turns `value` into text.
    static func printed(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        var printed = ""
        print(value, to: &printed)
        var debugPrinted = ""
        debugPrint(value, to: &debugPrinted)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped, printed, debugPrinted]
            + Mirror(reflecting: value).children.map { String(describing: $0.value) }
    }

    /// The bytes as hex (both cases), base64 (standard and URL-safe, padded or not) and a
    /// decimal array (`[12, 34]` and `[12,34]`).
    static func forms(of bytes: [UInt8]) -> [String] {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let base64 = Data(bytes).base64EncodedString()
        let urlSafe = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let decimals = bytes.map(String.init)
        return [
            hex, hex.uppercased(), base64, base64.trimmingCharacters(in: ["="]), urlSafe, urlSafe.trimmingCharacters(in: ["="]),
            "[" + decimals.joined(separator: ", ") + "]", "[" + decimals.joined(separator: ",") + "]",
            // Part of an array is enough to leak: the first eight bytes, as `[UInt8]` prints them.
            decimals.prefix(8).joined(separator: ", "),
        ]
    }

    static func seed(of key: SigningKey) throws -> [UInt8] {
        let body = key.pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Array(try #require(Data(base64Encoded: body)).suffix(32))
    }

    static func bytes(of key: StreamCredentialKey) throws -> [UInt8] {
        Array(try #require(Data(base64Encoded: key.text.trimmingCharacters(in: .whitespacesAndNewlines))))
    }

    @Test func aSigningKeyPrintsItsPublicIdAndNeverItsSeed() throws {
        let key = SigningKey()
        let seed = try Self.seed(of: key)
        #expect(key.description == "SigningKey(key_id: \"\(key.publicKey.id)\", seed: <redacted>)")
        #expect(key.debugDescription == key.description)
        #expect(Mirror(reflecting: key).children.map(\.label) == ["key_id", "seed"])
        for text in Self.printed(key) {
            #expect(text.contains(key.publicKey.id) || text.contains("<redacted>"), "\(text)")
            for form in Self.forms(of: seed) + [key.pem] { #expect(!text.contains(form), "\(text) holds \(form)") }
        }
    }

    @Test func aStreamCredentialKeyPrintsNothingOfItself() throws {
        let key = StreamCredentialKey()
        #expect(key.description == "StreamCredentialKey(bytes: <redacted>)")
        #expect(String(reflecting: key) == key.description)
        for text in Self.printed(key) {
            for form in Self.forms(of: try Self.bytes(of: key)) + [key.text] { #expect(!text.contains(form), "\(text) holds \(form)") }
        }
    }

    @Test func aStreamPrintsItsHostAndNeitherItsSecretNorItsTokenNorItsURLsQuery() {
        let stream = LogStream(
            id: "str_1", organizationID: "acme", url: "https://siem.example/in?key=url-credential", format: .json,
            secret: "alh_secret-0123456789", token: "bearer-token-42", createdAt: .example)
        #expect(stream.description.hasPrefix(#"LogStream(id: "str_1", organizationID: "acme", host: "siem.example", format: "#))
        #expect(stream.description.contains("secret: <redacted>, token: Optional(<redacted>)"))
        let unsigned = LogStream(
            id: "str_2", organizationID: "acme", url: "https://siem.example/", format: .json, secret: "alh_x-0123456789abcdef",
            createdAt: .example)
        #expect(unsigned.description.contains("token: nil"))
        let request = try? StreamRequest(url: "https://siem.example/in", format: "json", secret: "alh_secret-0123456789", token: "bearer-token-42")
        for value in [stream, LogStreamStatus(stream: stream, lag: 3), request as Any] {
            for text in Self.printed(value) {
                for secret in ["alh_secret-0123456789", "bearer-token-42", "url-credential"] {
                    #expect(!text.contains(secret), "\(text) holds \(secret)")
                }
            }
        }
    }

    @Test func keysNestedInOtherValuesPrintRedacted() throws {
        let signing = SigningKey()
        let current = StreamCredentialKey()
        let previous = StreamCredentialKey()
        let stream = LogStream(
            id: "str_1", organizationID: "acme", url: "https://siem.example/in", format: .json, secret: "alh_nested-0123456789",
            token: "nested-token", createdAt: .example)
        let holder = Holder(key: signing, keys: [current, previous], streams: ["str_1": stream])
        let secrets =
            try Self.forms(of: Self.seed(of: signing)) + Self.forms(of: Self.bytes(of: current))
            + Self.forms(of: Self.bytes(of: previous)) + ["alh_nested-0123456789", "nested-token"]
        for value: Any in [holder, [holder], Optional(holder), ["holder": holder], (signing, current)] {
            #expect(String(describing: value).contains("seed: <redacted>"))
            for text in Self.printed(value) {
                for secret in secrets { #expect(!text.contains(secret), "\(text) holds \(secret)") }
            }
        }
    }

    @Test func aStreamTakesItsOwnCredentialsOutOfAReceiversAnswer() {
        let stream = LogStream(
            id: "str_1", organizationID: "acme", url: "https://siem.example/in", format: .json, secret: "alh_echoed-0123456789",
            token: "tok_9f8e", createdAt: .example)
        #expect(
            stream.redactingCredentials(in: "401: invalid Bearer tok_9f8e (secret alh_echoed-0123456789); tok_9f8e")
                == "401: invalid Bearer <redacted> (secret <redacted>); <redacted>")
        #expect(stream.redactingCredentials(in: "nothing of theirs: é") == "nothing of theirs: é")
    }
}
