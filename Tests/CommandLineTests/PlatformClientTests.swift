import AuditLogClient
import AuditLogCore
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The platform's backend, in Swift, against a real `auditlogs serve`: it provisions an
/// organization, its admin and a read key, hands the admin off to the page, and undoes it all.
@Suite struct PlatformClientTests {
    /// Answers a redirect by not following it, so that the test sees the 303 itself.
    final class NoRedirects: NSObject, URLSessionTaskDelegate {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    @Test func aPlatformProvisionsHandsOffAndUndoesItThroughTheClient() async throws {
        let service = try await ClientTests.Service()
        let key = try #require(
            try await Command.run(["platform-key", "create", "--database", service.database, "--name", "Example"]).lines.last)
        let server = try await service.start()
        defer { server.terminate() }
        let platform = AuditLogPlatform(baseURL: service.base.absoluteString, platformKey: key)

        #expect(try await platform.putOrganization(id: "initech", name: "Initech"))
        #expect(try await platform.putOrganization(id: "initech", name: "Initech") == false)
        let first = try await platform.organizations(limit: 1)
        #expect(first.organizations.map(\.id) == ["acme"])
        let rest = try await platform.organizations(after: first.nextAfter, limit: 10)
        #expect(rest.organizations == [Organization(id: "initech", name: "Initech")] && rest.nextAfter == nil)

        // An id with characters a path must encode stays one segment.
        let peter = ProvisionedMember(externalID: "u:42+7", email: "peter@initech.test", name: "Peter Gibbons", role: .admin)
        #expect(try await platform.putMember(peter, organization: "initech"))
        #expect(try await platform.putMember(peter, organization: "initech") == false)
        let (keyID, readKey) = try await platform.createKey(organization: "initech", scope: .read)
        #expect(try await platform.keys(organization: "initech").map(\.id) == [keyID])

        let reader = AuditLogReader(baseURL: service.base.absoluteString, token: readKey)
        var actions: [String] = []
        for try await event in reader.auditLogs(organization: "initech", filter: EventFilter(from: .now.adding(days: -1))) {
            actions.append(event.action)
        }
        #expect(actions == ["AuditLogKeyCreated", "AuditLogMemberProvisioned", "AuditLogOrganizationCreated"])

        let (url, expiresAt) = try await platform.viewerSessionURL(
            organization: "initech", viewer: Viewer(id: "u:42+7", name: "Peter Gibbons", email: "peter@initech.test"),
            returnURL: "https://platform.example/settings", expiresIn: .seconds(30))
        #expect(url.hasPrefix(service.base.absoluteString + "/hand-off/alx_"))
        #expect(expiresAt > .now && expiresAt <= .now.adding(milliseconds: 31_000))
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        let (_, opened) = try await session.data(from: URL(string: url)!)
        #expect((opened as? HTTPURLResponse)?.statusCode == 303)
        #expect((opened as? HTTPURLResponse)?.value(forHTTPHeaderField: "Location") == "/organizations/initech/audit-logs")
        try await platform.endViewerSessions(organization: "initech", viewerID: "u:42+7")

        try await platform.revokeKey(id: keyID, organization: "initech")
        let refused = await #expect(throws: AuditLogError.self) {
            for try await _ in reader.auditLogs(organization: "initech", filter: EventFilter(from: .now.adding(days: -1))) {}
        }
        #expect(refused?.kind == .unauthenticated)
        try await platform.removeMember(externalID: "u:42+7", organization: "initech")

        let invalid = await #expect(throws: AuditLogError.self) {
            try await platform.putMember(
                ProvisionedMember(externalID: "u-1", email: "not an email", name: "X", role: .admin), organization: "initech")
        }
        #expect(invalid?.kind == .invalid && invalid?.details.map(\.field) == ["email"])
        let missing = await #expect(throws: AuditLogError.self) { try await platform.removeMember(externalID: "u-1", organization: "nowhere") }
        #expect(missing?.kind == .notFound)
        let stranger = AuditLogPlatform(baseURL: service.base.absoluteString, platformKey: readKey)
        let forbidden = await #expect(throws: AuditLogError.self) { try await stranger.organizations() }
        #expect(forbidden?.kind == .unauthenticated || forbidden?.kind == .forbidden)
    }
}
