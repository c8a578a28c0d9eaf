import AuditLogCore
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import AuditLogServer

/// What `serve` hands ServiceLifecycle, which names every service in its `debug` lines, prints
/// without the keys it holds; so do the dependencies and a delivery's payload.
@Suite struct ServiceDescriptionTests {
    static func printed(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped]
    }

    /// The key's bytes as hex and as the decimal array `[UInt8]` prints.
    static func forms(_ bytes: [UInt8]) -> [String] {
        [Hex.encoded(bytes), Hex.encoded(bytes).uppercased(), "\(bytes)", bytes.prefix(8).map(String.init).joined(separator: ", ")]
    }

    static func bytes(of pem: String) -> [UInt8] {
        Array(Data(base64Encoded: pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined())!.suffix(32))
    }

    @Test func theServicesOfServeAreNamedWithoutTheirKeys() async throws {
        let world = try await TestWorld.make()
        let signing = SigningKey()
        let current = StreamCredentialKey()
        let previous = StreamCredentialKey()
        var delivery = StreamDeliveryConfiguration()
        delivery.credentialKey = current
        delivery.previousCredentialKeys = [previous]
        let logger = Logger(label: "test")
        let services: [any Service] = [
            CheckpointSigner(
                service: AuditLogService(store: world.store, notary: Notary(key: signing)), interval: .seconds(300), logger: logger),
            RetentionEnforcer(
                retention: RetentionService(store: world.store, notary: Notary(key: signing)), interval: .seconds(3600), logger: logger),
            StreamDeliverer(store: world.store, configuration: delivery, logger: logger, holder: "host:8080"),
        ]
        let key = "SigningKey(key_id: \"\(signing.publicKey.id)\", seed: <redacted>)"
        #expect(
            services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0).serviceName } == [
                "CheckpointSigner(notary: Optional(Notary(key: \(key), witnesses: 0)), interval: 300.0 seconds)",
                "RetentionEnforcer(interval: 3600.0 seconds)",
                "StreamDeliverer(holder: \"host:8080\", configuration: StreamDeliveryConfiguration(allowPrivate: false, "
                    + "credentialKey: Optional(StreamCredentialKey(bytes: <redacted>)), previousCredentialKeys: "
                    + "[StreamCredentialKey(bytes: <redacted>)], batchSize: 500, pollInterval: 1.0 seconds, requestTimeout: 10.0 seconds))",
            ])
        let dependencies = ServerDependencies(store: world.store, signingKey: signing, streamCredentialKey: current)
        #expect(
            dependencies.description.hasSuffix("signingKey: Optional(\(key)), streamCredentialKey: Optional(StreamCredentialKey(bytes: <redacted>)))")
        )

        let secrets =
            Self.forms(Self.bytes(of: signing.pem)) + Self.forms(Array(Data(base64Encoded: current.text.trimmingCharacters(in: .newlines))!))
            + Self.forms(Array(Data(base64Encoded: previous.text.trimmingCharacters(in: .newlines))!))
        for value in services.map({ $0 as Any }) + [dependencies, delivery] {
            for text in Self.printed(value) {
                for secret in secrets { #expect(!text.contains(secret), "\(text) holds \(secret)") }
            }
        }
    }

    @Test func aPayloadPrintsItsHeadersNamesNotTheSignatureOrTheToken() {
        let stream = LogStream(
            id: "str_1", organizationID: "acme", url: "https://siem.example/in", format: .json, secret: "alh_payload-0123456789",
            token: "payload-token", createdAt: TestWorld.start)
        let payload = StreamPayload(stream: stream, events: [], time: 1_800_000_000)
        let signature = StreamSignature.header(secret: stream.secret, time: 1_800_000_000, body: payload.body)
        for text in Self.printed(payload) {
            #expect(text.contains("X-AuditLogs-Signature"))
            #expect(!text.contains("payload-token") && !text.contains(signature) && !text.contains(stream.secret), "\(text)")
        }
    }

    @Test func theAnswersThatShowASecretOncePrintWithoutIt() {
        let session = SessionsController.Created(
            token: "als_session-secret-0123", expiresAt: "2026-11-28T00:00:00.000Z",
            member: SessionsController.MemberResource(id: "mem_1", email: "ada@acme.test", name: "Ada"), organizations: [])
        let stream = StreamsController.StreamResource(
            status: LogStreamStatus(
                stream: LogStream(
                    id: "str_1", organizationID: "acme", url: "https://siem.example/in", format: .json, secret: "alh_shown-once-0123",
                    createdAt: TestWorld.start),
                lag: 0),
            secret: "alh_shown-once-0123")
        #expect(session.description == #"Created(token: <redacted>, expiresAt: "2026-11-28T00:00:00.000Z", member: "mem_1")"#)
        for text in Self.printed(session) + Self.printed(stream) {
            #expect(!text.contains("als_session-secret-0123") && !text.contains("alh_shown-once-0123"), "\(text)")
        }
    }
}
