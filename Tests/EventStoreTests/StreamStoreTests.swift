import AuditLogCore
import AuditLogTestSupport
import Testing

/// Log streams in the store: where a new one starts, its limit, and the leases that keep two
/// replicas from delivering one stream at once.
@Suite struct StreamStoreTests {
    static func stream(_ id: String, of organizationID: String = "acme", at time: Timestamp = .testStart) -> LogStream {
        LogStream(
            id: id, organizationID: organizationID, url: "https://siem.example/\(id)", format: .json, secret: "s3cret-s3cret-s3cret",
            createdAt: time)
    }

    @Test(arguments: StoreKind.enabled)
    func aNewStreamStartsAtTheOrganizationsNewestEvent(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        try await store.append((0..<3).map { newEvent(id: "e\($0)") }, to: "acme")
        let created = try await store.createStream(Self.stream("str_a"), maximumPerOrganization: 10)
        #expect(created.deliveredThrough == 3)
        try await store.append([newEvent(id: "e3"), newEvent(id: "e4")], to: "acme")

        let listed = try await store.streams(organizationID: "acme")
        #expect(listed.map(\.stream.id) == ["str_a"])
        #expect(listed.first?.lag == 2)
        #expect(listed.first?.stream.secret == "s3cret-s3cret-s3cret")
        #expect(try await store.streams(organizationID: "globex").isEmpty)
        await #expect(throws: AuditLogError.self) {
            try await store.createStream(Self.stream("str_x", of: "nobody"), maximumPerOrganization: 10)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func anOrganizationHasAtMostItsLimitOfStreams(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        _ = try await store.createStream(Self.stream("str_1"), maximumPerOrganization: 2)
        _ = try await store.createStream(Self.stream("str_2", at: .testStart.adding(hours: 1)), maximumPerOrganization: 2)
        let error = await #expect(throws: AuditLogError.self) {
            try await store.createStream(Self.stream("str_3"), maximumPerOrganization: 2)
        }
        #expect(error?.code == "too_many_streams")
        // The limit is per organization.
        _ = try await store.createStream(Self.stream("str_g", of: "globex"), maximumPerOrganization: 2)

        #expect(try await store.deleteStream(id: "str_1", organizationID: "globex") == false)
        #expect(try await store.deleteStream(id: "str_1", organizationID: "acme"))
        #expect(try await store.deleteStream(id: "str_1", organizationID: "acme") == false)
        #expect(try await store.streams(organizationID: "acme").map(\.stream.id) == ["str_2"])
    }

    @Test(arguments: StoreKind.enabled)
    func oneHolderAtATimeUntilTheLeaseExpires(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        _ = try await store.createStream(Self.stream("str_a"), maximumPerOrganization: 10)
        _ = try await store.createStream(Self.stream("str_g", of: "globex"), maximumPerOrganization: 10)
        let t0 = Timestamp.testReceived

        let first = try await store.leaseStreams(holder: "one", now: t0, until: t0.adding(milliseconds: 30_000))
        #expect(Set(first.map(\.id)) == ["str_a", "str_g"])
        // Held and unexpired: the other replica gets nothing.
        #expect(try await store.leaseStreams(holder: "two", now: t0.adding(milliseconds: 10_000), until: t0.adding(milliseconds: 40_000)).isEmpty)
        #expect(try await store.renewLease(streamID: "str_a", holder: "two", now: t0, until: t0.adding(milliseconds: 60_000)) == false)
        #expect(try await store.recordDelivery(streamID: "str_a", holder: "two", through: 9, at: t0) == false)

        // "one" renews str_a only; str_g expires and "two" takes it.
        #expect(
            try await store.renewLease(streamID: "str_a", holder: "one", now: t0.adding(milliseconds: 20_000), until: t0.adding(milliseconds: 50_000))
        )
        let taken = try await store.leaseStreams(holder: "two", now: t0.adding(milliseconds: 31_000), until: t0.adding(milliseconds: 61_000))
        #expect(taken.map(\.id) == ["str_g"])
        // The stalled holder of str_g can no longer report for it.
        #expect(try await store.recordDelivery(streamID: "str_g", holder: "one", through: 5, at: t0.adding(milliseconds: 32_000)) == false)
        #expect(try await store.recordDeliveryFailure(streamID: "str_g", holder: "one", error: "late", at: t0.adding(milliseconds: 32_000)) == false)
        #expect(
            try await store.renewLease(streamID: "str_g", holder: "one", now: t0.adding(milliseconds: 32_000), until: t0.adding(milliseconds: 90_000))
                == false)

        // Giving leases up hands the streams over at once.
        try await store.releaseLeases(holder: "one")
        let all = try await store.leaseStreams(holder: "two", now: t0.adding(milliseconds: 33_000), until: t0.adding(milliseconds: 63_000))
        #expect(Set(all.map(\.id)) == ["str_a", "str_g"])
    }

    @Test(arguments: StoreKind.enabled)
    func credentialsAreReplacedOnlyByTheHolderAndOnlyIfUnchanged(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        var stream = Self.stream("str_a")
        stream.token = "t0ken"
        _ = try await store.createStream(stream, maximumPerOrganization: 10)
        let t0 = Timestamp.testReceived
        _ = try await store.leaseStreams(holder: "one", now: t0, until: t0.adding(milliseconds: 30_000))

        #expect(
            try await store.replaceCredentials(streamID: "str_a", holder: "two", current: stream.secret, secret: "x", token: nil) == false)
        #expect(
            try await store.replaceCredentials(streamID: "str_a", holder: "one", current: "stale", secret: "x", token: nil) == false)
        #expect(
            try await store.replaceCredentials(streamID: "str_a", holder: "one", current: stream.secret, secret: "sealed:v1:s", token: "sealed:v1:t"))
        let stored = try #require(try await store.streams(organizationID: "acme").first).stream
        #expect((stored.secret, stored.token) == ("sealed:v1:s", "sealed:v1:t"))
        #expect(stored.url == stream.url && stored.deliveredThrough == 0)
    }

    @Test(arguments: StoreKind.enabled)
    func theCursorOnlyMovesForwardAndFailuresAreKept(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        try await store.append((0..<10).map { newEvent(id: "e\($0)") }, to: "acme")
        _ = try await store.createStream(Self.stream("str_a"), maximumPerOrganization: 10)
        try await store.append((10..<15).map { newEvent(id: "e\($0)") }, to: "acme")
        let t0 = Timestamp.testReceived
        _ = try await store.leaseStreams(holder: "one", now: t0, until: t0.adding(milliseconds: 30_000))

        #expect(try await store.recordDeliveryFailure(streamID: "str_a", holder: "one", error: "the receiver answered 503", at: t0))
        var status = try #require(try await store.streams(organizationID: "acme").first)
        #expect(status.lag == 5)
        #expect(status.stream.lastError == "the receiver answered 503")
        #expect(status.stream.lastErrorAt == t0)
        #expect(status.stream.lastSuccessAt == nil)

        #expect(try await store.recordDelivery(streamID: "str_a", holder: "one", through: 13, at: t0.adding(milliseconds: 1_000)))
        #expect(try await store.recordDelivery(streamID: "str_a", holder: "one", through: 12, at: t0.adding(milliseconds: 2_000)))
        status = try #require(try await store.streams(organizationID: "acme").first)
        #expect(status.stream.deliveredThrough == 13)
        #expect(status.lag == 2)
        #expect(status.stream.lastError == nil)
        #expect(status.stream.lastSuccessAt == t0.adding(milliseconds: 2_000))

        // A removed stream cannot be reported for.
        #expect(try await store.deleteStream(id: "str_a", organizationID: "acme"))
        #expect(try await store.recordDelivery(streamID: "str_a", holder: "one", through: 15, at: t0.adding(milliseconds: 3_000)) == false)
    }
}
