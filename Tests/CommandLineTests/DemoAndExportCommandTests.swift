import AuditLogCore
import AuditLogSQLite
import Foundation
import Testing

@Suite struct DemoAndExportCommandTests {
    @Test func theDemoLoadsThreeOrganizationsOnceWithEveryAction() async throws {
        let database = try Command.temporaryDatabase()
        let first = try await Command.run(["demo", "--database", database])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Sign in as ada.lovelace@acme.test"))
        let store = try SQLiteStore(path: database)
        let counts = try await ["acme", "globex", "initech"].asyncMap { try await store.latestSequence(organizationID: $0) }
        #expect(counts.allSatisfy { $0 > 500 })

        let second = try await Command.run(["demo", "--database", database])
        #expect(second.status == 0)
        #expect(second.stdout.contains("already loaded"))
        let again = try await ["acme", "globex", "initech"].asyncMap { try await store.latestSequence(organizationID: $0) }
        #expect(again == counts)

        // Every action of the guide has activity in the main organization within 90 days.
        let filter = EventFilter(from: Timestamp.now.adding(days: -91))
        for action in ActionCatalog.all where !ActionCatalog.serviceActions.contains(action.name) {
            var actionFilter = filter
            actionFilter.actions = [action.name]
            let count = try await store.countMatches(actionFilter, upTo: 1, throughSequence: nil, organizationID: "acme")
            #expect(count == 1, "no \(action.name) in the demo")
        }
        // Admins and plain members, and machine actors.
        let admin = try #require(try await store.member(email: "ada.lovelace@acme.test")?.member)
        #expect(try await store.role(memberID: admin.id, organizationID: "acme") == .admin)
        let member = try #require(try await store.member(email: "katherine.johnson@acme.test")?.member)
        #expect(try await store.role(memberID: member.id, organizationID: "acme") == .member)
        let actors = try await store.actors(matching: "", limit: 50, organizationID: "acme")
        #expect(actors.contains { $0.actor.type == .apiKey })
        #expect(actors.contains { $0.actor.type == .system })
    }

    @Test func exportWritesTheFilteredCSVToStandardOutputAndIsRecorded() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["demo", "--database", database])
        let output = try await Command.run([
            "export", "--database", database, "--org", "acme", "--action", "MemberInvited", "--action", "MemberRemoved",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == CSVExport.header.joined(separator: ","))
        #expect(lines.count > 1)
        #expect(lines.dropFirst().allSatisfy { $0.contains(",MemberInvited,") || $0.contains(",MemberRemoved,") })

        let store = try SQLiteStore(path: database)
        let page = try await store.page(
            PageRequest(filter: EventFilter(actions: [ActionCatalog.auditLogExported], from: .now.adding(days: -1)), limit: 5),
            organizationID: "acme")
        #expect(page.events.count == 1)
        #expect(page.events.first?.actor.type == .system)
        #expect(page.events.first?.metadata["row_count"] == .integer(Int64(lines.count - 1)))
    }

    @Test func exportRefusesBadFiltersWithoutWritingAnything() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let output = try await Command.run(["export", "--database", database, "--org", "acme", "--action", "Nope", "--from", "yesterday"])
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.contains("action"))
        #expect(output.stderr.contains("from"))
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
