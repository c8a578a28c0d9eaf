import AuditLogCore
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditLogServer

@Suite struct ClientAddressTests {
    let proxies = ClientAddressResolver(trustedProxies: ["10.0.0.0/8", "fd00::/8", "127.0.0.1"].compactMap(AddressRange.init))

    @Test func withoutTrustedProxiesTheHeadersAreNotRead() {
        let resolver = ClientAddressResolver(trustedProxies: [])
        #expect(resolver.clientAddress(peer: "10.1.2.3", forwarded: [], xForwardedFor: ["203.0.113.9"]) == "10.1.2.3")
    }

    @Test func aPeerThatIsNoTrustedProxyIsTheClientWhateverItSends() {
        #expect(proxies.clientAddress(peer: "198.51.100.7", forwarded: [], xForwardedFor: ["203.0.113.9"]) == "198.51.100.7")
        #expect(proxies.clientAddress(peer: "198.51.100.7", forwarded: ["for=203.0.113.9"], xForwardedFor: []) == "198.51.100.7")
    }

    @Test func theListIsReadFromTheRightSkippingTrustedProxies() {
        // The client wrote 1.2.3.4 itself; the first proxy heard 203.0.113.9; the second, 10.0.0.5.
        let chain = ["1.2.3.4, 203.0.113.9", "10.0.0.5"]
        #expect(proxies.clientAddress(peer: "10.0.0.6", forwarded: [], xForwardedFor: chain) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwarded: [], xForwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        // Only proxies all the way: the farthest one is the best there is.
        #expect(proxies.clientAddress(peer: "10.0.0.6", forwarded: [], xForwardedFor: ["10.0.0.7,10.0.0.8"]) == "10.0.0.7")
        // No header: the proxy itself.
        #expect(proxies.clientAddress(peer: "10.0.0.6", forwarded: [], xForwardedFor: []) == "10.0.0.6")
    }

    @Test func forwardedIsReadWithQuotesBracketsPortsAndCase() {
        let header = #"for=1.2.3.4;proto=https, For="[2001:DB8:cafe::17]:4711";by=10.0.0.1"#
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwarded: [header], xForwardedFor: ["9.9.9.9"]) == "2001:db8:cafe::17")
        #expect(proxies.clientAddress(peer: "fd00::1", forwarded: ["for=\"198.51.100.4:5555\""], xForwardedFor: []) == "198.51.100.4")
    }

    @Test func aHopThatIsNoAddressEndsTheWalkAtTheProxyThatPassedItOn() {
        #expect(proxies.clientAddress(peer: "10.0.0.6", forwarded: ["for=unknown"], xForwardedFor: []) == "10.0.0.6")
        #expect(proxies.clientAddress(peer: "10.0.0.6", forwarded: [], xForwardedFor: ["203.0.113.9, <script>, 10.0.0.5"]) == "10.0.0.5")
        // A combining mark or other odd Unicode is not an address and does not crash the parse.
        #expect(proxies.clientAddress(peer: "10.0.0.6", forwarded: [], xForwardedFor: ["1.2.3.4\u{301}"]) == "10.0.0.6")
        #expect(proxies.clientAddress(peer: "10.0.0.6", forwarded: [], xForwardedFor: [" \u{301}"]) == "10.0.0.6")
    }

    @Test func aLongForgedListStopsAfterThirtyTwoHops() {
        let forged = Array(repeating: "10.9.9.9", count: 1_000).joined(separator: ",")
        #expect(proxies.clientAddress(peer: "10.0.0.6", forwarded: [], xForwardedFor: ["203.0.113.9," + forged]) == "10.9.9.9")
    }

    @Test func rangesParseAndMatchBothFamilies() throws {
        let v4 = try #require(AddressRange("192.168.0.0/16"))
        #expect(v4.contains([192, 168, 40, 1]))
        #expect(!v4.contains([192, 169, 0, 1]))
        #expect(v4.description == "192.168.0.0/16")
        // Host bits past the prefix are cleared; an IPv4-mapped IPv6 peer matches an IPv4 range.
        #expect(AddressRange("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(proxies.clientAddress(peer: "::ffff:10.0.0.6", forwarded: [], xForwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        let v6 = try #require(AddressRange("2001:db8::/32"))
        #expect(v6.description == "2001:db8::/32")
        #expect(AddressRange("0.0.0.0/0")?.contains([8, 8, 8, 8]) == true)
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/+8", "10.0.0.0/", "10.0.0/8", "example.com", "", "10.0.0.0/8/8", "1.2.3.4\u{301}"] {
            #expect(AddressRange(bad) == nil, "\(bad)")
        }
    }
}

/// The resolver wired into the service: the sign-in throttle and recorded events see the client
/// behind a trusted proxy, and nobody else can choose the address they are counted under.
@Suite struct TrustedProxyRouteTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    func signIn(_ client: any TestClientProtocol, from address: String, password: String) async throws -> HTTPResponse.Status {
        try await client.post(
            "/api/v1/sessions", token: nil, json: #"{"email": "ada@acme.test", "password": "\#(password)"}"#,
            headers: [Self.forwardedFor: address]
        ).status
    }

    @Test func behindATrustedProxyTheThrottleCountsEachClientAndEventsRecordIt() async throws {
        let world = try await TestWorld.make()
        var configuration = world.configuration
        configuration.trustedProxies = [try #require(AddressRange("127.0.0.0/8"))]
        try await world.withLiveClient(configuration: configuration) { client in
            for _ in 0..<10 { #expect(try await signIn(client, from: "203.0.113.9", password: "wrong password 1") == .unauthorized) }
            #expect(try await signIn(client, from: "203.0.113.9", password: TestWorld.password) == .tooManyRequests)
            // Another client through the same proxy is not held back by the first one's tries.
            #expect(try await signIn(client, from: "198.51.100.4", password: TestWorld.password) == .created)

            let token = world.acmeAdminToken
            let export = try await client.get(
                "/api/v1/organizations/acme/audit-logs/export.csv", token: token, headers: [Self.forwardedFor: "1.2.3.4, 198.51.100.4"])
            #expect(export.status == .ok)
            let list = try await client.get("/api/v1/organizations/acme/audit-logs?action=AuditLogExported", token: token)
            #expect(try list.json["data"]?[0]?["context"]?["ip_address"]?.stringValue == "198.51.100.4")
        }
    }

    @Test func withoutTrustedProxiesAForgedHeaderDoesNotEscapeTheThrottle() async throws {
        let world = try await TestWorld.make()
        try await world.withLiveClient(configuration: world.configuration) { client in
            for _ in 0..<10 { #expect(try await signIn(client, from: "203.0.113.9", password: "wrong password 1") == .unauthorized) }
            #expect(try await signIn(client, from: "198.51.100.4", password: TestWorld.password) == .tooManyRequests)
            let token = world.acmeAdminToken
            _ = try await client.get(
                "/api/v1/organizations/acme/audit-logs/export.csv", token: token, headers: [Self.forwardedFor: "198.51.100.4"])
            let list = try await client.get("/api/v1/organizations/acme/audit-logs?action=AuditLogExported", token: token)
            #expect(try list.json["data"]?[0]?["context"]?["ip_address"]?.stringValue == "127.0.0.1")
        }
    }
}
