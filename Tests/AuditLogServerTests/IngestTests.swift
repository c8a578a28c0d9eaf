import AuditLogCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct IngestTests {
    @Test func oneEventIsStoredAndListedWithItsDetails() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let created = try await client.post("/api/v1/events", token: world.acmeKey, json: Events.json(id: "evt_1"))
            #expect(created.status == .created)
            #expect(try created.json["ids"] == .array([.string("evt_1")]))
            #expect(try created.json["created"]?.intValue == 1)
            #expect(try created.json["duplicates"]?.intValue == 0)

            let page = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            let event = try #require(try page.json["data"]?[0])
            #expect(event["id"]?.stringValue == "evt_1")
            #expect(event["occurred_at"]?.stringValue == "2026-11-27T11:00:00.000Z")
            #expect(event["received_at"]?.stringValue == "2026-11-27T12:00:00.000Z")
            #expect(event["details"]?.stringValue == "Invited grace@acme.test as Editor")
            #expect(event["workspace"] == .object(["id": .string("ws_marketing"), "name": .string("Marketing")]))
            #expect(event["actor"]?["email"]?.stringValue == "ada@acme.test")
            #expect(event["context"]?["ip_address"]?.stringValue == "203.0.113.7")
        }
    }

    @Test func aBatchIsStoredInOrderAndIdsAreAssignedWhenMissing() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let body = "{\"events\": [\(Events.json(id: "a")), \(Events.json()), \(Events.json(id: "c"))]}"
            let created = try await client.post("/api/v1/events", token: world.acmeKey, json: body)
            #expect(created.status == .created)
            let ids = try created.json["ids"]?.arrayValue.compactMap(\.stringValue) ?? []
            #expect(ids.count == 3)
            #expect(ids[0] == "a" && ids[2] == "c")
            #expect(ids[1].hasPrefix("evt_"))
        }
        let stored = try await world.store.latestSequence(organizationID: "acme")
        #expect(stored == 3)
    }

    @Test func resendingAnEventStoresNothingNewAndIsNotAnError() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let body = "{\"events\": [\(Events.json(id: "evt_1")), \(Events.json(id: "evt_2"))]}"
            _ = try await client.post("/api/v1/events", token: world.acmeKey, json: body)
            let retry = try await client.post("/api/v1/events", token: world.acmeKey, json: body)
            #expect(retry.status == .created)
            #expect(try retry.json["created"]?.intValue == 0)
            #expect(try retry.json["duplicates"]?.intValue == 2)
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 2)
    }

    @Test func oneBadEventRejectsTheWholeBatchAndNamesEachBadField() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let bad1 = Events.json(action: "NoSuchAction")
            let bad3 = #"{"action": "UserLogin", "occurred_at": "yesterday", "actor": {"type": "robot"}}"#
            let body = "{\"events\": [\(Events.json()), \(bad1), \(Events.json()), \(bad3)]}"
            let response = try await client.post("/api/v1/events", token: world.acmeKey, json: body)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorCode == "invalid_event")
            #expect(
                response.errorFields.sorted() == [
                    "events[1].action", "events[3].actor.id", "events[3].actor.type", "events[3].occurred_at",
                ])
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
    }

    /// Ids, emails and metadata keys with an invisible format character (sent as JSON escapes
    /// here) reject the batch, each named by its path; names keep theirs and are listed back
    /// exactly as sent.
    @Test func invisibleFormatCharactersInIDsEmailsAndKeysRejectTheBatch() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let zeroWidthID = Events.json(id: #"evt\u200b1"#)
            let overriddenEmail = #"""
                {"action": "UserLogin", "occurred_at": "2026-11-27T11:00:00.000Z",
                 "actor": {"id": "user_42", "type": "user", "email": "ada\u202e@acme.test"},
                 "targets": [{"type": "user", "id": "u\u2066"}], "metadata": {"ro\ufeffle": "Editor"}}
                """#
            let body = "{\"events\": [\(Events.json()), \(zeroWidthID), \(overriddenEmail)]}"
            let response = try await client.post("/api/v1/events", token: world.acmeKey, json: body)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorCode == "invalid_event")
            #expect(
                response.errorFields.sorted() == [
                    "events[1].id", "events[2].actor.email", "events[2].metadata.ro\u{FEFF}le", "events[2].targets[0].id",
                ])
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
    }

    @Test func namesWithBidiControlsAreStoredAndListedAsSent() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let named = #"""
                {"id": "a\u0301", "action": "UserLogin", "occurred_at": "2026-11-27T11:00:00.000Z",
                 "actor": {"id": "user_42", "type": "user", "name": "Mallory \u202eecalevoL adA"},
                 "workspace": {"id": "ws_1", "name": "\u2066Marketing"}}
                """#
            let created = try await client.post("/api/v1/events", token: world.acmeKey, json: named)
            #expect(created.status == .created)
            let page = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            let event = try #require(try page.json["data"]?[0])
            #expect(event["id"]?.stringValue == "a\u{301}")
            #expect(event["actor"]?["name"]?.stringValue == "Mallory \u{202E}ecalevoL adA")
            #expect(event["workspace"]?["name"]?.stringValue == "\u{2066}Marketing")
        }
    }

    @Test func malformedBodiesAreRefusedWithTheErrorShape() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let cases: [([UInt8], HTTPResponse.Status, String)] = [
                (Array("{\"action\": ".utf8), .badRequest, "malformed_json"),
                (Array("not json".utf8), .badRequest, "malformed_json"),
                ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], .badRequest, "malformed_json"),
                (Array("[1, 2]".utf8), .unprocessableContent, "invalid_request"),
                (Array("{\"events\": []}".utf8), .unprocessableContent, "invalid_request"),
                (Array("{\"events\": {}}".utf8), .unprocessableContent, "invalid_request"),
            ]
            for (body, status, code) in cases {
                let response = try await client.post("/api/v1/events", token: world.acmeKey, bytes: body)
                #expect(response.status == status, "\(String(decoding: body, as: UTF8.self))")
                #expect(response.errorCode == code)
                #expect(try response.json["error"]?["message"]?.stringValue?.isEmpty == false)
            }
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
    }

    /// A number is stored as sent or refused by its field, never stored as another number.
    @Test func aNumberThatWouldNotBeKeptExactlyIsRefusedByItsField() async throws {
        let world = try await TestWorld.make()
        @Sendable func event(_ id: String, metadata: String) -> String {
            Events.json(id: id).replacingOccurrences(of: #""metadata": {"role": "Editor"}"#, with: #""metadata": \#(metadata)"#)
        }
        try await world.withClient { client in
            let one = try await client.post(
                "/api/v1/events", token: world.acmeKey, json: event("big", metadata: #"{"n": 123456789012345678901234567890}"#))
            #expect(one.status == .unprocessableContent)
            #expect(one.errorCode == "invalid_event")
            #expect(one.errorFields == ["metadata.n"])
            #expect(try one.json["error"]?["details"]?[0]?["message"]?.stringValue?.hasSuffix("send it as a string") == true)

            let batch = "{\"events\": [\(event("fine", metadata: "{}")), \(event("huge", metadata: #"{"ok": 1, "n": 1e400}"#))]}"
            let refused = try await client.post("/api/v1/events", token: world.acmeKey, json: batch)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.errorFields == ["events[1].metadata.n"])

            // The same sort of body elsewhere, named the same way.
            let signIn = try await client.post("/api/v1/sessions", token: nil, json: #"{"email": "ada@acme.test", "password": 1e-400}"#)
            #expect(signIn.status == .unprocessableContent)
            #expect(signIn.errorFields == ["password"])

            // What it can keep, it keeps as sent.
            let metadata = #"{"max": 9223372036854775807, "ratio": 0.30000000000000004, "zero": -0, "large": 1e20}"#
            let kept = try await client.post("/api/v1/events", token: world.acmeKey, json: event("kept", metadata: metadata))
            #expect(kept.status == .created)
            let read = try await client.get("/api/v1/organizations/acme/events/kept", token: world.acmeAdminToken)
            #expect(
                try read.json["metadata"]
                    == .object(["max": .integer(.max), "ratio": .number(0.30000000000000004), "zero": .integer(0), "large": .number(1e20)]))
            #expect(read.text.contains(#""max":9223372036854775807"#))
            #expect(read.text.contains(#""ratio":0.30000000000000004"#))
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 1)
    }

    @Test func aBatchOfMoreThanAThousandIsRefused() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let body = "{\"events\": [" + Array(repeating: Events.json(), count: 1_001).joined(separator: ",") + "]}"
            let response = try await client.post("/api/v1/events", token: world.acmeKey, json: body)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorFields == ["events"])
        }
    }

    @Test func aBodyOverFiveMebibytesIsRefusedWith413() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let padding = String(repeating: "x", count: 900)
            let event = Events.json(extra: ", \"details\": \"\(padding)\"")
            let body = "{\"events\": [" + Array(repeating: event, count: 5_500).joined(separator: ",") + "]}"
            #expect(body.utf8.count > EventLimits.maximumBodyBytes)
            let response = try await client.post("/api/v1/events", token: world.acmeKey, json: body)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "too_large")
            // The server still serves.
            let next = try await client.post("/api/v1/events", token: world.acmeKey, json: Events.json())
            #expect(next.status == .created)
        }
    }

    @Test func eventsGoToTheKeysOrganizationOnly() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            _ = try await client.post("/api/v1/events", token: world.globexKey, json: Events.json(id: "evt_g"))
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
        #expect(try await world.store.latestSequence(organizationID: "globex") == 1)
    }

    @Test func ingestNeedsAnIngestKey() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let none = try await client.post("/api/v1/events", token: nil, json: Events.json())
            #expect(none.status == .unauthorized)
            #expect(none.errorCode == "unauthenticated")
            let unknown = try await client.post("/api/v1/events", token: "alk_not-a-real-key", json: Events.json())
            #expect(unknown.status == .unauthorized)
            let garbled = try await client.post(
                "/api/v1/events", token: nil, json: Events.json(), headers: [.authorization: "Basic abc"])
            #expect(garbled.status == .unauthorized)
            let memberToken = try await client.post("/api/v1/events", token: world.acmeAdminToken, json: Events.json())
            #expect(memberToken.status == .forbidden)
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
    }

    @Test func timesInTheFarFutureAreRefusedButAnHourAheadIsAccepted() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let soon = try await client.post(
                "/api/v1/events", token: world.acmeKey, json: Events.json(occurredAt: "2026-11-27T13:00:00.000Z"))
            #expect(soon.status == .created)
            let later = try await client.post(
                "/api/v1/events", token: world.acmeKey, json: Events.json(occurredAt: "2026-11-27T13:00:00.001Z"))
            #expect(later.status == .unprocessableContent)
            #expect(later.errorFields == ["occurred_at"])
        }
    }
}
