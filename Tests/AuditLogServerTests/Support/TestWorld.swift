import AuditLogCore
import AuditLogPasswords
import AuditLogServer
import AuditLogTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization

/// A clock that tests move by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Timestamp>

    init(_ start: Timestamp) {
        current = Mutex(start)
    }

    var now: Timestamp { current.withLock { $0 } }

    func advance(milliseconds: Int64) {
        current.withLock { $0 = $0.adding(milliseconds: milliseconds) }
    }
}

/// A fresh service on its own database with two organizations:
/// `acme` (an admin, a plain member, an ingest key) and `globex` (an admin, an ingest key).
/// Each test builds its own; nothing is shared.
///
/// The database is SQLite, or PostgreSQL when `AUDITLOGS_TEST_BACKEND=postgres`: scripts/test
/// runs this whole target once on each, with the same assertions.
struct TestWorld {
    static let start = Timestamp(rfc3339: "2026-11-27T12:00:00.000Z")!
    static let password = "correct horse battery"

    let store: any AuditLogBackend
    let clock: ManualClock
    let acmeAdmin: Member
    let acmeMember: Member
    let globexAdmin: Member
    /// Personal tokens, by member.
    let acmeAdminToken: String
    let acmeMemberToken: String
    let globexAdminToken: String
    let acmeKey: String
    let globexKey: String

    static func make(backend: TestBackend = .selected) async throws -> TestWorld {
        let store = try await backend.makeStore()
        let clock = ManualClock(start)
        try await store.createOrganization(Organization(id: "acme", name: "Acme Studios"), createdAt: start)
        try await store.createOrganization(Organization(id: "globex", name: "Globex"), createdAt: start)
        let hash = try await BcryptPasswordHasher(cost: 4).hash(password)
        func member(_ email: String, _ name: String, _ role: Role, _ org: String) async throws -> Member {
            let member = try await store.createMember(email: email, name: name, passwordHash: hash, createdAt: start)
            try await store.setRole(role, memberID: member.id, organizationID: org)
            return member
        }
        func token(_ member: Member) async throws -> String {
            let secret = Secret.generate(.personalToken)
            try await store.createMemberToken(
                id: Secret.identifier(prefix: "tok"), memberID: member.id, kind: .personal,
                secretHash: Secret.hash(secret), createdAt: start, expiresAt: nil)
            return secret
        }
        func key(_ org: String) async throws -> String {
            let secret = Secret.generate(.ingestKey)
            try await store.createAPIKey(
                id: Secret.identifier(prefix: "key"), organizationID: org, secretHash: Secret.hash(secret), createdAt: start)
            return secret
        }
        let acmeAdmin = try await member("ada@acme.test", "Ada Lovelace", .admin, "acme")
        let acmeMember = try await member("bob@acme.test", "Bob Member", .member, "acme")
        let globexAdmin = try await member("hank@globex.test", "Hank Scorpio", .admin, "globex")
        return TestWorld(
            store: store, clock: clock, acmeAdmin: acmeAdmin, acmeMember: acmeMember, globexAdmin: globexAdmin,
            acmeAdminToken: try await token(acmeAdmin), acmeMemberToken: try await token(acmeMember),
            globexAdminToken: try await token(globexAdmin), acmeKey: try await key("acme"), globexKey: try await key("globex"))
    }

    var configuration: ServerConfiguration { ServerConfiguration(bcryptCost: 4) }

    /// The key the service signs checkpoints with (one for the whole test process).
    static let signingKey = SigningKey()

    /// Runs `body` against the service in Hummingbird's in-process test mode.
    func withClient<Value: Sendable>(
        configuration: ServerConfiguration? = nil,
        signingKey: SigningKey? = TestWorld.signingKey,
        streamCredentialKey: StreamCredentialKey? = nil,
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let clock = self.clock
        let app = try buildApplication(
            configuration: configuration ?? self.configuration,
            // A read slower than the service's 2 s is not an unreachable database here, only
            // the whole suite loading both cores (`/readyz` once answered 503 so).
            dependencies: ServerDependencies(
                store: store, signingKey: signingKey, streamCredentialKey: streamCredentialKey,
                readiness: Readiness(databaseDeadline: .seconds(60)), now: { clock.now }),
            logger: Logger(label: "test"))
        return try await app.test(.router, body)
    }

    /// A new read key of `organizationID`: it reads audit logs, exports and the feed.
    func readKey(_ organizationID: String) async throws -> String {
        let administration = AdministrationService(store: store, passwords: BcryptPasswordHasher(cost: 4))
        return try await administration.createAPIKey(organizationID: organizationID, scope: .read).secret
    }

    /// A new platform key: it provisions and reads no events.
    func platformKey() async throws -> String {
        try await AdministrationService(store: store, passwords: BcryptPasswordHasher(cost: 4)).createPlatformKey(name: "Test platform").secret
    }

    /// Stores events for `organizationID` straight through the store, for tests about reading.
    func seed(_ events: [NewEvent], in organizationID: String = "acme") async throws {
        var start = 0
        while start < events.count {
            let end = min(start + 1_000, events.count)
            _ = try await store.append(Array(events[start..<end]), organizationID: organizationID, receivedAt: clock.now)
            start = end
        }
    }
}
