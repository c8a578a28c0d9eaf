import AuditLogCore
import AuditLogPasswords
import AuditLogTestSupport
import Foundation
import Synchronization
import Testing

/// Hand-off links on each backend: one opening starts one session, of one viewer, as an admin
/// of one organization; a used, expired or revoked link starts nothing.
@Suite struct HandOffTests {
    struct World {
        let store: any AuditLogStore
        let handOff: HandOffService
        let platformKeyID: String
        static let viewer = Viewer(id: "plat-7", name: "Lin Viewer", email: "Lin@Example.test")

        init(_ kind: StoreKind, now: @escaping @Sendable () -> Timestamp = { .testReceived }) async throws {
            store = try await kind.makeStore()
            for id in ["acme", "globex"] {
                try await store.createOrganization(Organization(id: id, name: id.capitalized), createdAt: .testStart)
            }
            handOff = HandOffService(store: store, now: now)
            platformKeyID = try await AdministrationService(store: store, passwords: BcryptPasswordHasher(cost: 4))
                .createPlatformKey(name: "Example platform").id
        }

        func link(seconds: Int = 60, returnURL: String? = "https://platform.example/settings") async throws -> String {
            try await handOff.createLink(
                organizationID: "acme", viewer: Self.viewer, returnURL: returnURL, seconds: seconds, platformKeyID: platformKeyID
            ).token
        }

        func open(_ token: String) async throws -> (opening: ViewerLinkOpening, session: String?) {
            try await handOff.open(token: token, sessionSeconds: 3_600, context: EventContext(ipAddress: "198.51.100.4"))
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aLinkOpensOnceForOneViewerAsAnAdminOfOneOrganization(kind: StoreKind) async throws {
        let world = try await World(kind)
        let token = try await world.link()
        #expect(token.hasPrefix("alx_"))
        let (opening, session) = try await world.open(token)
        guard case .started(let organizationID, let access) = opening else {
            Issue.record("the link did not start a session: \(opening)")
            return
        }
        #expect(organizationID == "acme")
        #expect(access.memberships.map(\.organization.id) == ["acme"] && access.memberships.map(\.role) == [.admin])
        #expect(access.member == Member(id: "plat-7", email: "lin@example.test", name: "Lin Viewer"))
        #expect(access.returnLink == MemberAccess.ReturnLink(url: "https://platform.example/settings", label: "Example platform"))

        let secret = try #require(session)
        #expect(secret.hasPrefix("alv_"))
        let administration = AdministrationService(store: world.store, passwords: BcryptPasswordHasher(cost: 4), now: { .testReceived })
        #expect(try await administration.principal(secret: secret) == .member(access))
        #expect(try await world.open(token).opening == .used)

        let started = try #require(try await world.store.events(after: 0, limit: 10, organizationID: "acme").last)
        #expect(started.action == "AuditLogViewerSessionStarted")
        #expect(started.actor == Actor(id: "plat-7", type: .user, name: "Lin Viewer", email: "lin@example.test"))
        #expect(started.metadata["platform"] == .string("Example platform"))
        #expect(started.context.ipAddress == "198.51.100.4")

        try await administration.signOut(secret: secret)
        #expect(try await administration.principal(secret: secret) == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func expiredRevokedAndUnknownLinksStartNothing(kind: StoreKind) async throws {
        let clock = Clock(.testReceived)
        let world = try await World(kind, now: { clock.now })
        let expiring = try await world.link(seconds: 5, returnURL: nil)
        clock.now = Timestamp.testReceived.adding(milliseconds: 5_000)
        #expect(try await world.open(expiring).opening == .expired)

        let first = try await world.link()
        let second = try await world.link()
        guard case .started = try await world.open(first).opening else {
            Issue.record("the first link did not start a session")
            return
        }
        // Ending the viewer's sessions also revokes the link they have not opened yet.
        #expect(try await world.handOff.endSessions(organizationID: "acme", viewerID: "plat-7") == 1)
        #expect(try await world.open(second).opening == .revoked)
        #expect(try await world.open("alx_" + String(repeating: "A", count: 43)).opening == .unknown)
        #expect(try await world.open("als_not-a-link").opening == .unknown)
        #expect(try await world.store.events(after: 0, limit: 10, organizationID: "acme").count == 1)
    }

    @Test(arguments: StoreKind.enabled)
    func manyOpeningsOfOneLinkAtOnceStartOneSession(kind: StoreKind) async throws {
        let world = try await World(kind)
        let token = try await world.link()
        let started = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    if case .started = try await world.open(token).opening { return true }
                    return false
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(started == 1)
    }

    @Test(arguments: [
        ("https://platform.example/settings?tab=audit", true), ("http://localhost:3000/settings", true),
        ("http://127.0.0.1/x", true), ("http://[::1]:8080/", true), ("HTTPS://Platform.example", true),
        ("http://platform.example/", false), ("javascript:alert(1)", false), ("https://", false),
        ("https://user:pw@platform.example/", false), ("//platform.example/", false), ("https://platform.example/a b", false),
        ("https://platform.example/\u{202E}", false), ("http://localhost.evil.test/", false), ("https:\\\\evil.test", false),
    ])
    func returnURLsAreHTTPSOrLoopbackOnly(url: String, accepted: Bool) {
        #expect(HandOffService.isAcceptableReturnURL(url) == accepted)
    }

    /// A clock a test moves.
    final class Clock: Sendable {
        private let current: Mutex<Timestamp>
        init(_ start: Timestamp) { current = Mutex(start) }
        var now: Timestamp {
            get { current.withLock { $0 } }
            set { current.withLock { $0 = newValue } }
        }
    }
}
