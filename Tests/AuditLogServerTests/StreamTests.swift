import AsyncHTTPClient
import AuditLogCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import AuditLogServer

/// Log streams over the API: created, listed and removed by admins, each change recorded.
@Suite struct StreamAPITests {
    static let base = "/api/v1/organizations/acme/streams"

    @Test func aStreamCreatedOverTheAPIIsStoredSealedWhenTheServiceHasAKey() async throws {
        let world = try await TestWorld.make()
        let key = StreamCredentialKey()
        try await world.withClient(configuration: ServerConfiguration(bcryptCost: 4, streamAllowPrivate: true), streamCredentialKey: key) {
            client in
            let created = try await client.post(
                Self.base, token: world.acmeAdminToken,
                json: #"{"url": "http://127.0.0.1:9/in", "format": "datadog", "token": "dd-api-key-1"}"#)
            #expect(created.status == .created)
            let secret = try #require(try created.json["secret"]?.stringValue)
            #expect(secret.hasPrefix("alh_"))
            let stored = try #require(try await world.store.streams(organizationID: "acme").first).stream
            #expect(StreamCredentialKey.isSealed(stored.secret))
            #expect(try StreamCredentialKey.opened(stored, with: key).secret == secret)
            #expect(try StreamCredentialKey.opened(stored, with: key).token == "dd-api-key-1")
        }
    }

    @Test func anAdminCreatesListsAndRemovesAStreamAndEachChangeIsRecorded() async throws {
        let world = try await TestWorld.make()
        try await world.withClient(configuration: ServerConfiguration(bcryptCost: 4, streamAllowPrivate: true)) { client in
            let created = try await client.post(
                Self.base, token: world.acmeAdminToken,
                json: #"{"url": "http://127.0.0.1:9/in", "format": "splunk_hec", "token": "hec-token"}"#)
            #expect(created.status == .created)
            let id = try #require(try created.json["id"]?.stringValue)
            let secret = try #require(try created.json["secret"]?.stringValue)
            #expect(id.hasPrefix("str_"))
            #expect(secret.hasPrefix("alh_"))
            #expect(try created.json["format"]?.stringValue == "splunk_hec")
            #expect(try created.json["lag"]?.integerValue == 0)

            // The creation is recorded, and is the first event the stream delivers.
            let log = try await client.get("/api/v1/organizations/acme/audit-logs?action=LogStreamCreated", token: world.acmeAdminToken)
            let record = try #require(try log.json["data"]?[0])
            #expect(record["actor"]?["id"]?.stringValue == world.acmeAdmin.id)
            #expect(record["metadata"]?["stream_id"]?.stringValue == id)
            #expect(record["metadata"]?["host"]?.stringValue == "127.0.0.1")
            #expect(record["details"]?.stringValue == "Created a splunk_hec log stream to 127.0.0.1")
            #expect(try created.json["delivered_through"]?.integerValue == (record["sequence"]?.integerValue ?? 0) - 1)

            // Listed without its secret or token, with its lag.
            let listed = try await client.get(Self.base, token: world.acmeAdminToken)
            #expect(listed.status == .ok)
            let entry = try #require(try listed.json["data"]?[0])
            #expect(entry["id"]?.stringValue == id)
            #expect(entry["secret"] == nil)
            #expect(!listed.text.contains(secret))
            #expect(!listed.text.contains("hec-token"))
            #expect(entry["lag"]?.integerValue == 1)
            #expect(entry["last_error"] == .null)
            #expect(entry["last_success_at"] == .null)

            // Globex sees none of it.
            let other = try await client.get("/api/v1/organizations/globex/streams", token: world.globexAdminToken)
            #expect(try other.json["data"]?.arrayValue.isEmpty == true)
            let foreign = try await client.execute(
                uri: "/api/v1/organizations/globex/streams/\(id)", method: .delete,
                headers: [.authorization: "Bearer \(world.globexAdminToken)"], body: nil)
            #expect(foreign.status == .notFound)

            let removed = try await client.execute(
                uri: "\(Self.base)/\(id)", method: .delete, headers: [.authorization: "Bearer \(world.acmeAdminToken)"], body: nil)
            #expect(removed.status == .noContent)
            let again = try await client.execute(
                uri: "\(Self.base)/\(id)", method: .delete, headers: [.authorization: "Bearer \(world.acmeAdminToken)"], body: nil)
            #expect(again.status == .notFound)
            let deleted = try await client.get(
                "/api/v1/organizations/acme/audit-logs?action=LogStreamDeleted", token: world.acmeAdminToken)
            #expect(try deleted.json["data"]?[0]?["metadata"]?["stream_id"]?.stringValue == id)
            #expect(try await client.get(Self.base, token: world.acmeAdminToken).json["data"]?.arrayValue.isEmpty == true)
        }
    }

    @Test func badStreamsAreRefusedFieldByField() async throws {
        let world = try await TestWorld.make()
        try await world.withClient(configuration: ServerConfiguration(bcryptCost: 4, streamAllowPrivate: true)) { client in
            let cases: [(String, [String])] = [
                (#"{"url": "ftp://siem.example/x"}"#, ["url"]),
                (#"{"format": "json"}"#, ["url"]),
                (#"{"url": "https://siem.example/", "format": "syslog", "secret": "short"}"#, ["format", "secret"]),
                (#"{"url": "https://siem.example/", "format": "datadog"}"#, ["token"]),
                (#"{"url": "https://siem.example/", "colour": "red"}"#, ["colour"]),
                (#"{"url": 7}"#, ["url"]),
                (#"{"url": "https://sie\u0301m.example/"}"#, ["url"]),
            ]
            for (body, fields) in cases {
                let response = try await client.post(Self.base, token: world.acmeAdminToken, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.errorFields == fields, "\(body)")
            }
            #expect(try await client.post(Self.base, token: world.acmeAdminToken, json: "[").status == .badRequest)
            #expect(try await client.get(Self.base, token: world.acmeAdminToken).json["data"]?.arrayValue.isEmpty == true)
        }
    }

    @Test func anOrganizationHasAtMostTenStreams() async throws {
        let world = try await TestWorld.make()
        try await world.withClient(configuration: ServerConfiguration(bcryptCost: 4, streamAllowPrivate: true)) { client in
            for index in 0..<StreamService.maximumStreamsPerOrganization {
                let response = try await client.post(Self.base, token: world.acmeAdminToken, json: #"{"url": "http://127.0.0.1:9/\#(index)"}"#)
                #expect(response.status == .created)
            }
            let refused = try await client.post(Self.base, token: world.acmeAdminToken, json: #"{"url": "http://127.0.0.1:9/more"}"#)
            #expect(refused.status == .conflict)
            #expect(refused.errorCode == "too_many_streams")
        }
    }

    /// Without --stream-allow-private, a destination on this machine's or the operator's
    /// network is refused when the stream is created (and again at every delivery).
    @Test(arguments: [
        "http://127.0.0.1:8080/", "http://localhost/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
        "http://10.0.0.8/", "http://192.168.1.1/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://2130706433/",
    ])
    func privateDestinationsAreRefusedAtCreation(url: String) async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.post(Self.base, token: world.acmeAdminToken, json: #"{"url": "\#(url)"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorFields == ["url"])
            #expect(try response.json["error"]?["details"]?[0]?["message"]?.stringValue == "the receiver's address is not public (refused)")
        }
    }

    /// Where a name resolves is the operator's network: the admin is told the kind of refusal,
    /// never the address.
    @Test func aRefusedNameIsNotToldWhereItResolves() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.post(Self.base, token: world.acmeAdminToken, json: #"{"url": "http://localhost:8080/"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(!response.text.contains("127.0.0.1") && !response.text.contains("::1") && !response.text.contains("0:0:0:0:0:0:0:1"))
        }
    }
}

/// Delivery to a real receiver on a loopback port.
@Suite(.serialized) struct StreamDeliveryTests {
    /// A stream of acme's to `url`, made through the service as an admin would.
    static func createStream(
        _ world: TestWorld, url: String, format: String = "json", token: String? = nil, credentialKey: StreamCredentialKey? = nil
    ) async throws -> (id: String, secret: String) {
        let service = StreamService(store: world.store, credentialKey: credentialKey, now: { world.clock.now })
        let stream = try await service.create(
            try StreamRequest(url: url, format: format, secret: nil, token: token), organizationID: "acme", by: world.acmeAdmin.actor,
            context: EventContext())
        return (stream.id, stream.secret)
    }

    static func status(_ world: TestWorld) async throws -> LogStreamStatus {
        try #require(try await world.store.streams(organizationID: "acme").first)
    }

    /// acme's first stream once `condition` holds of it (checked every 20 ms, for up to 30 s).
    static func status(_ world: TestWorld, when condition: (LogStreamStatus) -> Bool) async throws -> LogStreamStatus {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let status = try await status(world)
            if condition(status) || ContinuousClock.now >= deadline { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func deliversEveryEventOnceInSequenceOrderInSignedBatches() async throws {
        let world = try await TestWorld.make()
        try await world.seed((0..<5).map { Events.make(id: "before-\($0)") })
        let receiver = StreamReceiver()
        try await receiver.run { url in
            let (_, secret) = try await Self.createStream(world, url: url)
            try await world.seed((0..<1_234).map { Events.make(id: "e\($0)") })
            try await world.seed((0..<5).map { Events.make(id: "g\($0)") }, in: "globex")
            try await testDeliverer(world.store).running {
                try await receiver.wait { try $0.acceptedSequences().count >= 1_235 }
            }
            // The creation record (sequence 6), then every event after it, once, in order.
            #expect(try receiver.acceptedSequences() == Array(6...1_240))
            for delivery in receiver.accepted {
                #expect(try delivery.sequences.count <= 500)
                #expect(delivery.header("Content-Type") == "application/json")
                #expect(delivery.header("X-AuditLogs-Organization") == "acme")
                let signature = try #require(delivery.header(StreamSignature.headerName))
                #expect(
                    StreamSignature.isValid(
                        header: signature, secret: secret, body: delivery.body, now: Int64(Date().timeIntervalSince1970)))
                // A receiver that checks with another secret refuses the batch.
                #expect(
                    !StreamSignature.isValid(
                        header: signature, secret: secret + "-wrong", body: delivery.body, now: Int64(Date().timeIntervalSince1970)))
            }
            let first = try JSONParser.parse(receiver.accepted[0].body)["events"]?[0]
            #expect(first?["action"]?.stringValue == "LogStreamCreated")
            let status = try await Self.status(world)
            #expect(status.lag == 0)
            #expect(status.stream.deliveredThrough == 1_240)
            #expect(status.stream.lastSuccessAt != nil)
            #expect(status.stream.lastError == nil)
        }
    }

    /// An idle stream is woken by the commit: with a poll of a minute, each event still goes
    /// out at once.
    @Test func anIdleStreamSendsANewEventAtOnceNotAtItsNextPoll() async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            _ = try await Self.createStream(world, url: url)
            try await testDeliverer(world.store, pollInterval: .seconds(60)).running {
                // The creation record goes at the first look; then the stream is idle.
                try await receiver.wait { $0.accepted.count == 1 }
                for round in 1...3 {
                    try await Task.sleep(for: .milliseconds(100))
                    let sent = ContinuousClock.now
                    try await world.seed([Events.make(id: "new_\(round)")])
                    try await receiver.wait(timeout: .seconds(20)) { $0.accepted.count == round + 1 }
                    #expect(ContinuousClock.now - sent < .seconds(20))
                }
            }
            let ids = try receiver.accepted.dropFirst().flatMap { try JSONParser.parse($0.body)["events"]?.arrayValue ?? [] }
                .compactMap { $0["id"]?.stringValue }
            #expect(ids == ["new_1", "new_2", "new_3"])
        }
    }

    @Test func aReceiverThatIsDownGetsEverythingWhenItIsBackHonouringRetryAfter() async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            _ = try await Self.createStream(world, url: url)
            receiver.answer(.fail(status: 503, retryAfter: "1", times: 3))
            try await world.seed((0..<40).map { Events.make(id: "e\($0)") })
            try await testDeliverer(world.store).running {
                try await receiver.wait { $0.refused.count >= 1 }
                // While it fails, the stream says why, and nothing moves.
                let failing = try await Self.status(world, when: { $0.stream.lastError != nil })
                #expect(failing.stream.lastError == "the receiver answered 503")
                #expect(failing.lag == 41)
                try await receiver.wait { try $0.acceptedSequences().count >= 41 }
            }
            #expect(try receiver.acceptedSequences() == Array(1...41))
            // The same batch was offered each time, and no sooner than Retry-After allowed.
            let attempts = receiver.refused + [receiver.accepted[0]]
            #expect(attempts.count == 4)
            for (earlier, later) in zip(attempts, attempts.dropFirst()) {
                #expect(try later.sequences.first == earlier.sequences.first)
                #expect(later.receivedAt - earlier.receivedAt >= .milliseconds(950))
            }
            let status = try await Self.status(world)
            #expect(status.stream.lastError == nil)
            #expect(status.lag == 0)
        }
    }

    @Test func anUnreachableReceiverIsRetriedAndRecorded() async throws {
        let world = try await TestWorld.make()
        // Port 9 (discard) has no listener here: the connection is refused.
        _ = try await Self.createStream(world, url: "http://127.0.0.1:9/in")
        let status = try await testDeliverer(world.store).running {
            try await Self.status(world, when: { $0.stream.lastError != nil })
        }
        #expect(status.stream.lastError == "could not connect")
        #expect(status.stream.lastSuccessAt == nil)
        #expect(status.lag == 1)
    }

    /// A receiver's answer is for the operator, not the tenant: a stream's URL may point at a
    /// service the tenant could not otherwise read. The stream records the class of failure and
    /// the status; the operator's log has the first bytes, escaped so that they can neither
    /// forge a log line nor drive a terminal.
    @Test(arguments: [(500, "the receiver answered 500"), (302, "redirects are not followed (answered 302)")])
    func aReceiversAnswerNeverReachesLastErrorAndIsLoggedEscaped(status: Int, expected: String) async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver()
        let log = LogRecorder()
        let answer = Array("\u{1B}]0;owned\u{07}\u{1B}[2Jinternal-secret\nforged: log line\r\u{9B}31m".utf8) + [0xFF]
        try await receiver.run { url in
            _ = try await Self.createStream(world, url: url)
            receiver.answer(.fail(status: status, retryAfter: nil, times: 1_000, body: answer))
            let failing = try await testDeliverer(world.store, logger: log.logger()).running {
                try await Self.status(world, when: { $0.stream.lastError != nil })
            }
            #expect(failing.stream.lastError == expected)
            try await world.withClient { client in
                let listed = try await client.get(StreamAPITests.base, token: world.acmeAdminToken)
                #expect(try listed.json["data"]?[0]?["last_error"]?.stringValue == expected)
                #expect(!listed.text.contains("internal-secret"))
            }
            let warning = try #require(log.lines.first { $0.message == "log stream delivery failed" })
            let detail = try #require(warning.metadata["audit.error"])
            let port = try #require(URLComponents(string: url)?.port)
            #expect(
                detail
                    == #"127.0.0.1:\#(port) answered \#(status): \u{1B}]0;owned\u{7}\u{1B}[2Jinternal-secret\nforged: log line\r\u{9B}31m\#u{FFFD}"#
            )
            #expect(!warning.text.unicodeScalars.contains { $0.properties.generalCategory == .control })
        }
    }

    @Test func twoReplicasNeverDeliverOneStreamAtOnceAndOneTakesOverFromTheOther() async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver(delay: .milliseconds(200))
        try await receiver.run { url in
            _ = try await Self.createStream(world, url: url)
            try await world.seed((0..<3_000).map { Events.make(id: "e\($0)") })
            let first = testDeliverer(world.store, holder: "replica-a")
            let second = testDeliverer(world.store, holder: "replica-b")
            // replica-a delivers a batch; its second request is held at the receiver.
            receiver.hold(afterAccepting: 1)
            let a = Replica(first)
            try await receiver.wait { $0.held == 1 }
            // replica-b runs beside it and finds the stream leased.
            let b = Replica(second)
            try await Task.sleep(for: .milliseconds(400))
            // replica-a shuts down: it finishes its request and gives its lease up; replica-b
            // delivers the rest.
            let stopping = Task { try await a.stop() }
            try await Task.sleep(for: .milliseconds(100))
            receiver.release()
            try await stopping.value
            let deliveredByA = try receiver.acceptedSequences().count
            #expect(deliveredByA < 3_001)
            try await receiver.wait { try Set($0.acceptedSequences()).count >= 3_001 }
            try await b.stop()

            #expect(receiver.mostInFlight == 1)
            // A graceful handover loses and repeats nothing: every sequence once, in order.
            #expect(try receiver.acceptedSequences() == Array(1...3_001))
        }
    }

    @Test func privateDestinationsAreRefusedWhenDeliveringToo() async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            // Stored as an operator's `stream add` would, past the API's check.
            _ = try await Self.createStream(world, url: url)
            let log = LogRecorder()
            let status = try await testDeliverer(world.store, allowPrivate: false, logger: log.logger()).running {
                try await Self.status(world, when: { $0.stream.lastError != nil })
            }
            #expect(receiver.accepted.isEmpty && receiver.refused.isEmpty)
            // The admin reads the kind of refusal; the operator's log, where the name resolved.
            #expect(status.stream.lastError == "the receiver's address is not public (refused)")
            let warning = try #require(log.lines.first { $0.message == "log stream delivery failed" })
            #expect(warning.metadata["audit.error"] == "127.0.0.1 resolves to 127.0.0.1, which is not a public address (loopback)")
            #expect(status.lag == 1)
        }
    }

    @Test func aSealedStreamIsDeliveredWithItsSecretAndTokenThoughTheDatabaseHoldsNeither() async throws {
        let world = try await TestWorld.make()
        let key = StreamCredentialKey()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            let (_, secret) = try await Self.createStream(world, url: url, token: "bearer-token-1", credentialKey: key)
            // What the database holds opens with the key only.
            let stored = try await Self.status(world).stream
            #expect(StreamCredentialKey.isSealed(stored.secret) && !stored.secret.contains(secret))
            #expect(stored.token.map(StreamCredentialKey.isSealed) == true)
            try await world.seed((0..<3).map { Events.make(id: "e\($0)") })
            try await testDeliverer(world.store, credentialKey: key).running {
                try await receiver.wait { try $0.acceptedSequences().count >= 4 }
            }
            let delivery = try #require(receiver.accepted.first)
            let signature = try #require(delivery.header(StreamSignature.headerName))
            #expect(StreamSignature.isValid(header: signature, secret: secret, body: delivery.body, now: Int64(Date().timeIntervalSince1970)))
            #expect(delivery.header("Authorization") == "Bearer bearer-token-1")
        }
    }

    @Test func withoutTheKeyOrWithAnotherNothingIsDeliveredAndTheStreamSaysWhy() async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            let key = StreamCredentialKey()
            _ = try await Self.createStream(world, url: url, credentialKey: key)
            for (wrong, reason) in [(nil, "no stream credential key"), (StreamCredentialKey(), "cannot be decrypted")] {
                let status = try await testDeliverer(world.store, credentialKey: wrong).running {
                    try await Self.status(world, when: { $0.stream.lastError?.contains(reason) == true })
                }
                #expect(status.stream.lastError?.contains(reason) == true, "\(status.stream.lastError ?? "no error")")
                #expect(status.lag == 1)
            }
            #expect(receiver.accepted.isEmpty && receiver.refused.isEmpty)

            // Beside a replica without the key, one with it delivers: the first gives its lease up
            // at once rather than holding it for the 30 s a lease lasts.
            let keyless = Replica(testDeliverer(world.store, holder: "keyless"))
            try await Task.sleep(for: .milliseconds(300))
            let keyed = Replica(testDeliverer(world.store, holder: "keyed", credentialKey: key))
            try await receiver.wait(timeout: .seconds(20)) { $0.accepted.count >= 1 }
            try await keyless.stop()
            try await keyed.stop()
        }
    }

    @Test func aRotatedKeyStillDeliversAndSealsAgainWithTheNewOne() async throws {
        let world = try await TestWorld.make()
        let (old, new) = (StreamCredentialKey(), StreamCredentialKey())
        let receiver = StreamReceiver()
        try await receiver.run { url in
            let (_, secret) = try await Self.createStream(world, url: url, token: "hec-1", credentialKey: old)
            try await testDeliverer(world.store, credentialKey: new, previousKeys: [old]).running {
                try await receiver.wait { $0.accepted.count >= 1 }
            }
            let delivery = try #require(receiver.accepted.first)
            let signature = try #require(delivery.header(StreamSignature.headerName))
            #expect(StreamSignature.isValid(header: signature, secret: secret, body: delivery.body, now: Int64(Date().timeIntervalSince1970)))
            // Sealed again with the new key: the old one can be thrown away.
            let stored = try await Self.status(world).stream
            #expect(new.opens(stored) && !old.opens(stored))
            #expect(try StreamCredentialKey.opened(stored, with: new).token == "hec-1")
        }
    }

    @Test func aStreamStoredUnsealedIsSealedByTheFirstServiceWithAKey() async throws {
        let world = try await TestWorld.make()
        let key = StreamCredentialKey()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            let (_, secret) = try await Self.createStream(world, url: url, token: "hec-1")
            #expect(try await Self.status(world).stream.secret == secret)
            try await testDeliverer(world.store, credentialKey: key).running {
                try await receiver.wait { $0.accepted.count >= 1 }
            }
            let stored = try await Self.status(world).stream
            #expect(StreamCredentialKey.isSealed(stored.secret))
            #expect(try StreamCredentialKey.opened(stored, with: key).secret == secret)
            #expect(try StreamCredentialKey.opened(stored, with: key).token == "hec-1")
            let delivery = try #require(receiver.accepted.first)
            let signature = try #require(delivery.header(StreamSignature.headerName))
            #expect(StreamSignature.isValid(header: signature, secret: secret, body: delivery.body, now: Int64(Date().timeIntervalSince1970)))
        }
    }

    @Test func splunkAndDatadogGetTheirOwnFormatsAndCredentials() async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            _ = try await Self.createStream(world, url: url + "/services/collector/event", format: "splunk_hec", token: "hec-1")
            _ = try await Self.createStream(world, url: url + "/api/v2/logs", format: "datadog", token: "dd-1")
            try await world.seed([Events.make(id: "e1"), Events.make("AssetDeleted", id: "e2")])
            try await testDeliverer(world.store).running {
                try await receiver.wait { $0.accepted.count >= 2 && $0.accepted.map(\.body.count).reduce(0, +) > 0 && Self.delivered($0) >= 7 }
            }
            let splunk = receiver.accepted.filter { $0.path.hasSuffix("/services/collector/event") }
            let datadog = receiver.accepted.filter { $0.path.hasSuffix("/api/v2/logs") }
            #expect(splunk.allSatisfy { $0.header("Authorization") == "Splunk hec-1" })
            #expect(datadog.allSatisfy { $0.header("DD-API-KEY") == "dd-1" })
            // Splunk: one object per event, one after the other, each with its time in seconds.
            let splunkEvents = try splunk.flatMap { delivery in
                try String(decoding: delivery.body, as: UTF8.self).split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
            }
            #expect(splunkEvents.compactMap { $0["event"]?["action"]?.stringValue }.suffix(2) == ["MemberInvited", "AssetDeleted"])
            #expect(splunkEvents.allSatisfy { $0["sourcetype"]?.stringValue == "auditlogs:event" && $0["time"] != nil })
            // Datadog: an array of entries, the Details as the message.
            let entries = try datadog.flatMap { try JSONParser.parse($0.body).arrayValue }
            #expect(entries.last?["audit"]?["action"]?.stringValue == "AssetDeleted")
            #expect(entries.last?["ddsource"]?.stringValue == "auditlogs")
            #expect(entries.last?["ddtags"]?.stringValue == "organization:acme,action:AssetDeleted")
            #expect(entries.last?["message"]?.stringValue == entries.last?["audit"]?["details"]?.stringValue)
        }
    }

    /// Every checkpoint and retention cut is witnessed by the stream, outside the database, as
    /// soon as the events it covers have gone; a stream made later starts at the latest.
    @Test func signedRecordsGoToTheStreamAfterTheEventsTheyCover() async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            let (_, secret) = try await Self.createStream(world, url: url)
            try await world.seed((0..<3).map { Events.make(id: "e\($0)") })
            let checkpoint = try #require(
                try await world.store.addCheckpoint(organizationID: "acme", at: world.clock.now, signingKey: TestWorld.signingKey))
            #expect(checkpoint.sequence == 4)
            try await testDeliverer(world.store).running {
                try await receiver.wait { receiver in receiver.accepted.contains { !Checkpoint.records(in: $0.body).isEmpty } }
            }
            let witnessed = try #require(receiver.accepted.firstIndex { !Checkpoint.records(in: $0.body).isEmpty })
            // The events it covers went first.
            #expect(try receiver.accepted[..<witnessed].flatMap { try $0.sequences } == [1, 2, 3, 4])
            let delivery = receiver.accepted[witnessed]
            #expect(try JSONParser.parse(delivery.body)["checkpoints"]?.arrayValue.count == 1)
            // A receiver that reads only `events` takes it for an empty batch.
            #expect(try JSONParser.parse(delivery.body)["events"]?.arrayValue.isEmpty == true)
            #expect(Checkpoint.records(in: delivery.body) == [checkpoint])
            let signature = try #require(delivery.header(StreamSignature.headerName))
            #expect(StreamSignature.isValid(header: signature, secret: secret, body: delivery.body, now: Int64(Date().timeIntervalSince1970)))
            #expect(try await Self.status(world, when: { $0.stream.recordsThrough == 1 }).stream.recordsThrough == 1)

            let later = try await world.store.createStream(
                LogStream(id: "str_later", organizationID: "acme", url: url, format: .json, secret: secret, createdAt: world.clock.now),
                maximumPerOrganization: 10)
            #expect(later.recordsThrough == 1)
        }
    }

    /// Splunk gets a record as an event of its own sourcetype, Datadog as an entry with the
    /// record under `checkpoint`.
    @Test func splunkAndDatadogWitnessSignedRecordsInTheirFormats() async throws {
        let world = try await TestWorld.make()
        let receiver = StreamReceiver()
        try await receiver.run { url in
            _ = try await Self.createStream(world, url: url + "/services/collector/event", format: "splunk_hec", token: "hec-1")
            _ = try await Self.createStream(world, url: url + "/api/v2/logs", format: "datadog", token: "dd-1")
            let checkpoint = try #require(
                try await world.store.addCheckpoint(organizationID: "acme", at: world.clock.now, signingKey: TestWorld.signingKey))
            try await testDeliverer(world.store).running {
                try await receiver.wait { receiver in receiver.accepted.filter { !Checkpoint.records(in: $0.body).isEmpty }.count >= 2 }
            }
            let witnessed = receiver.accepted.filter { !Checkpoint.records(in: $0.body).isEmpty }
            for delivery in witnessed { #expect(Checkpoint.records(in: delivery.body) == [checkpoint]) }
            let splunk = try #require(witnessed.first { $0.path.hasSuffix("/services/collector/event") })
            #expect(try JSONParser.parse(splunk.body)["sourcetype"]?.stringValue == "auditlogs:checkpoint")
            let datadog = try #require(witnessed.first { $0.path.hasSuffix("/api/v2/logs") })
            #expect(try JSONParser.parse(datadog.body)[0]?["ddtags"]?.stringValue == "organization:acme,record:checkpoint")
        }
    }

    /// Events in every batch so far, whatever their format.
    static func delivered(_ receiver: StreamReceiver) -> Int {
        receiver.accepted.reduce(0) { count, delivery in
            let text = String(decoding: delivery.body, as: UTF8.self)
            if delivery.path.hasSuffix("/services/collector/event") { return count + text.split(separator: "\n").count }
            return count + ((try? JSONParser.parse(delivery.body).arrayValue.count) ?? 0)
        }
    }
}

/// What the deliverer decides alone: which addresses are public, how long to wait.
@Suite struct StreamDeliveryRulesTests {
    @Test(
        arguments: [
            ([8, 8, 8, 8], true), ([1, 1, 1, 1], true), ([203, 0, 114, 1], true), ([172, 32, 0, 1], true),
            ([127, 0, 0, 1], false), ([10, 1, 2, 3], false), ([172, 16, 0, 1], false), ([172, 31, 255, 255], false),
            ([192, 168, 0, 1], false), ([169, 254, 169, 254], false), ([100, 64, 0, 1], false), ([0, 0, 0, 0], false),
            ([224, 0, 0, 1], false), ([255, 255, 255, 255], false), ([198, 18, 0, 1], false),
            // Each range's edges.
            ([0, 255, 255, 255], false), ([1, 0, 0, 0], true), ([100, 63, 255, 255], true), ([100, 127, 255, 255], false),
            ([100, 128, 0, 0], true), ([169, 253, 255, 255], true), ([172, 15, 255, 255], true), ([192, 0, 0, 8], false),
            ([192, 0, 1, 1], true), ([192, 0, 2, 1], false), ([192, 88, 99, 1], false), ([192, 88, 100, 1], true),
            ([198, 19, 255, 255], false), ([198, 20, 0, 1], true), ([198, 51, 100, 1], false), ([203, 0, 113, 7], false),
            ([223, 255, 255, 255], true), ([240, 0, 0, 1], false),
        ] as [([UInt8], Bool)])
    func ipv4(address: [UInt8], isPublic: Bool) {
        #expect(StreamDestination.isPublic(address) == isPublic)
    }

    static func address(_ text: String) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        _ = text.withCString { inet_pton(AF_INET6, $0, &bytes) }
        return bytes
    }

    @Test func ipv6() {
        let address = Self.address
        for text in [
            "2606:4700::1111", "2a00:1450:4001::200e", "64:ff9b::808:808", "2002:808:808::1", "2001:200::1", "3fff:1000::1",
        ] {
            #expect(StreamDestination.isPublic(address(text)), "\(text)")
        }
        for text in [
            "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1",
            "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2001:0::1", "2001:db8::1", "fec0::1",
            // SIIT (IPv4-translated), local-use NAT64: the operator's own translators, whatever
            // the IPv4 address.
            "::ffff:0:808:808", "::ffff:0:7f00:1", "64:ff9b:1::808:808", "64:ff9b:1:ffff::1",
            // Embedding a private address; discard-only, SRv6, benchmarking, ORCHIDv2,
            // documentation; outside 2000::/3.
            "::a00:1", "2002:c0a8:101::1", "64:ff9b::a00:1", "100::1", "5f00::1", "2001:2::1", "2001:20::1", "3fff::1",
            "3fff:fff::1", "4000::1", "e000::1",
        ] {
            #expect(!StreamDestination.isPublic(address(text)), "\(text)")
        }
        #expect(StreamDestination.isPublic(address("::ffff:8.8.8.8")))
        #expect(StreamDestination.text(of: address("2606:4700::1111")) == "2606:4700:0:0:0:0:0:1111")
    }

    /// A public address of one of the host's interfaces reaches the host itself: refused in
    /// every form that leads to it, and told apart from its neighbour.
    @Test func theHostsOwnAddressesAreRefusedEvenWhenPublic() async throws {
        let own = HostAddresses.fixed([[203, 0, 114, 7], Self.address("2a0f:9400::7")])
        for host in ["203.0.114.7", "[::ffff:203.0.114.7]", "[2a0f:9400::7]", "[64:ff9b::cb00:7207]", "[2002:cb00:7207::1]"] {
            do {
                _ = try await StreamDestination.pinnedAddress(host: host, allowPrivate: false, hostAddresses: own)
                Issue.record("\(host) was not refused")
            } catch let refused as StreamDestination.Refused {
                #expect(refused.description == "the receiver's address is not public (refused)", "\(host)")
                #expect(refused.detail.hasSuffix(", one of this host's own addresses"), "\(host)")
            }
        }
        #expect(try await StreamDestination.pinnedAddress(host: "203.0.114.8", allowPrivate: false, hostAddresses: own) == "203.0.114.8")
        #expect(try await StreamDestination.pinnedAddress(host: "203.0.114.7", allowPrivate: true, hostAddresses: own) == nil)
    }

    /// The host's addresses are read at each check: one an interface gains while the service
    /// runs is refused from then on.
    @Test func anAddressTheHostGainsIsRefusedFromTheNextCheck() async throws {
        let gained = Mutex(false)
        let own = HostAddresses { gained.withLock { $0 } ? [[127, 0, 0, 1], [198, 20, 0, 9]] : [[127, 0, 0, 1]] }
        #expect(try await StreamDestination.pinnedAddress(host: "198.20.0.9", allowPrivate: false, hostAddresses: own) == "198.20.0.9")
        gained.withLock { $0 = true }
        await #expect(throws: StreamDestination.Refused.self) {
            try await StreamDestination.pinnedAddress(host: "198.20.0.9", allowPrivate: false, hostAddresses: own)
        }
    }

    @Test func theSystemListsThisHostsAddressesLoopbackIncluded() throws {
        #expect(try HostAddresses.system.read().contains([127, 0, 0, 1]))
    }

    @Test func aResolvedAddressIsNamedInTheDetailOnly() async throws {
        do {
            _ = try await StreamDestination.pinnedAddress(host: "localhost", allowPrivate: false, hostAddresses: .fixed([]))
            Issue.record("localhost was not refused")
        } catch let refused as StreamDestination.Refused {
            #expect(refused.description == "the receiver's address is not public (refused)")
            #expect(refused.detail.hasPrefix("localhost resolves to "))
            #expect(refused.detail.contains("which is not a public address"))
        }
    }

    @Test func failuresWithoutAnAnswerAreToldByKind() {
        #expect(StreamDeliveryFailure.kind(of: HTTPClientError.deadlineExceeded) == "timed out")
        #expect(StreamDeliveryFailure.kind(of: HTTPClientError.readTimeout) == "timed out")
        #expect(StreamDeliveryFailure.kind(of: HTTPClientError.connectTimeout) == "could not connect (timed out)")
        #expect(StreamDeliveryFailure.kind(of: HTTPClientError.tlsHandshakeTimeout) == "TLS failed (timed out)")
        #expect(StreamDeliveryFailure.kind(of: IOError(errnoCode: ECONNREFUSED, reason: "connect")) == "could not connect")
        #expect(StreamDeliveryFailure.kind(of: CancellationError()) == "the request failed")
    }

    @Test func backoffDoublesWithJitterAndObeysRetryAfterWithinItsCap() {
        var configuration = StreamDeliveryConfiguration()
        configuration.firstRetryDelay = .seconds(1)
        configuration.maximumRetryDelay = .seconds(60)
        configuration.maximumRetryAfter = .seconds(600)
        func delay(_ failures: Int, _ retryAfter: Duration?) -> Duration {
            configuration.backoff.delay(after: failures, retryAfter: retryAfter)
        }
        for (failures, ceiling) in [(1, 1), (2, 2), (3, 4), (7, 60), (40, 60)] as [(Int, Int64)] {
            for _ in 0..<50 {
                let delay = delay(failures, nil)
                #expect(delay >= .seconds(ceiling) / 2 && delay <= .seconds(ceiling), "\(failures)")
            }
        }
        #expect(delay(1, .seconds(120)) == .seconds(120))
        #expect(delay(1, .seconds(86_400)) == .seconds(600))
        #expect(Backoff.retryAfter("30") == .seconds(30))
        #expect(Backoff.retryAfter("-1") == nil)
        #expect(Backoff.retryAfter("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_764_245_400)
        #expect(Backoff.retryAfter("Thu, 27 Nov 2025 12:10:30 GMT", now: now) == .seconds(30))
    }
}
