import AuditLogCore
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Tamper evidence over HTTP: the public key, checkpoints on demand and listed, a verification.
@Suite struct IntegrityRoutesTests {
    static let base = "/api/v1/organizations/acme"

    /// A checkpoint as the API writes it: its statement, sorted, then `signature` last.
    static func checkpoint(from json: JSONValue, _ text: String) throws -> (statement: [UInt8], signature: [UInt8]) {
        let signature = try #require(json["signature"]?.stringValue)
        let statement = try #require(text.range(of: #","signature":"\#(signature)"}"#))
        let signed = Array((text[..<statement.lowerBound] + "}").utf8)
        var unsigned = try #require(json.objectValue)
        unsigned["signature"] = nil
        #expect(signed == Array(JSONValue.object(unsigned).serialized().utf8))
        return (signed, try #require(Data(base64Encoded: signature).map(Array.init)))
    }

    @Test func anAdminSignsACheckpointThatThePublishedKeyVerifies() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let published = try await client.get("/api/v1/signing-key", token: nil)
            #expect(published.status == .ok)
            let pem = try #require(try published.json["public_key"]?.stringValue)
            let key = try VerifyingKey(pem: pem)
            #expect(try published.json["key_id"]?.stringValue == key.id)
            #expect(try published.json["algorithm"]?.stringValue == "Ed25519")

            // No events yet: nothing to sign.
            let empty = try await client.post(Self.base + "/checkpoints", token: world.acmeAdminToken, json: "")
            #expect(empty.status == .conflict)
            #expect(empty.errorCode == "nothing_to_sign")

            try await world.seed([Events.make(id: "a"), Events.make(id: "b")])
            let signed = try await client.post(Self.base + "/checkpoints", token: world.acmeAdminToken, json: "")
            #expect(signed.status == .ok)
            let json = try signed.json
            #expect(json["sequence"] == .integer(2))
            #expect(json["organization"]?.stringValue == "acme")
            #expect(json["type"]?.stringValue == "checkpoint")
            let (statement, signature) = try Self.checkpoint(from: json, signed.text)
            #expect(key.isValidSignature(signature, for: statement))
            #expect(!key.isValidSignature(signature, for: statement.dropLast() + Array(" }".utf8)))

            // Asked again with nothing new: the same checkpoint.
            let again = try await client.post(Self.base + "/checkpoints", token: world.acmeAdminToken, json: "")
            #expect(again.text == signed.text)
        }
    }

    @Test func checkpointsAreListedNewestFirstAPageAtATime() async throws {
        let world = try await TestWorld.make()
        for index in 1...3 {
            try await world.seed([Events.make(id: "e\(index)")])
            _ = try await world.store.addCheckpoint(organizationID: "acme", at: world.clock.now, signingKey: TestWorld.signingKey)
        }
        try await world.withClient { client in
            let first = try await client.get(Self.base + "/checkpoints?limit=2", token: world.acmeAdminToken)
            #expect(first.status == .ok)
            let firstJSON = try first.json
            #expect(firstJSON["data"]?[0]?["sequence"] == .integer(3))
            #expect(firstJSON["data"]?[1]?["sequence"] == .integer(2))
            #expect(firstJSON["next_before"] == .integer(2))
            let second = try await client.get(Self.base + "/checkpoints?limit=2&before=2", token: world.acmeAdminToken)
            #expect(try second.json["data"]?[0]?["sequence"] == .integer(1))
            #expect(try second.json["next_before"] == .null)
            // The next checkpoint names the one before it.
            let previous = try #require(firstJSON["data"]?[1])
            let (statement, _) = try Self.checkpoint(from: previous, previous.serializedSignedLast())
            #expect(firstJSON["data"]?[0]?["previous_checkpoint"]?.stringValue == Hex.encoded(SHA256.hash(data: statement)))

            for bad in ["limit=0", "limit=1001", "limit=x", "before=0", "before=x", "limit=1&limit=2", "after=3"] {
                let refused = try await client.get(Self.base + "/checkpoints?\(bad)", token: world.acmeAdminToken)
                #expect(refused.status == .unprocessableContent, "\(bad)")
                #expect(refused.errorCode == "invalid_query", "\(bad)")
            }
        }
    }

    @Test func aVerificationReportsTheChainAndItsCheckpoints() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "a"), Events.make(id: "b"), Events.make(id: "c")])
        _ = try await world.store.addCheckpoint(organizationID: "acme", at: world.clock.now, signingKey: TestWorld.signingKey)
        try await world.withClient { client in
            let report = try await client.get(Self.base + "/integrity", token: world.acmeAdminToken)
            #expect(report.status == .ok)
            let json = try report.json
            #expect(json["intact"] == .bool(true))
            #expect(json["events_checked"] == .integer(3))
            #expect(json["checkpoints_checked"] == .integer(1))
            #expect(json["problems"] == .array([]))
            #expect(report.text == (try JSONParser.parse(Array(report.body.readableBytesView)).serialized()))
        }
        // A service started without the key cannot vouch for the checkpoints: not intact.
        try await world.withClient(signingKey: nil) { client in
            let report = try await client.get(Self.base + "/integrity", token: world.acmeAdminToken)
            let json = try report.json
            #expect(json["intact"] == .bool(false))
            #expect(json["problems"]?[0]?["kind"]?.stringValue == "signature")
            let signed = try await client.post(Self.base + "/checkpoints", token: world.acmeAdminToken, json: "")
            #expect(signed.status == .conflict)
            #expect(signed.errorCode == "no_signing_key")
            let key = try await client.get("/api/v1/signing-key", token: nil)
            #expect(key.status == .notFound)
            #expect(key.errorCode == "no_signing_key")
        }
    }
}

extension JSONValue {
    /// A checkpoint object written as the API writes one: statement sorted, signature last.
    fileprivate func serializedSignedLast() throws -> String {
        var object = try #require(objectValue)
        let signature = try #require(object["signature"]?.stringValue)
        object["signature"] = nil
        return String(JSONValue.object(object).serialized().dropLast()) + #","signature":"\#(signature)"}"#
    }
}
