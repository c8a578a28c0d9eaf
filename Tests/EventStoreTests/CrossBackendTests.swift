import AuditLogCore
import AuditLogTestSupport
import Testing

/// The same events on every enabled backend give the same answers, byte for byte: the same
/// pages in the same order, the same cursors, the same directory, the same CSV.
///
/// In CI both backends run, so this compares SQLite with PostgreSQL; locally, without a
/// PostgreSQL server, it checks SQLite against itself and proves little.
@Suite struct CrossBackendTests {
    /// Everything a reader can get out of a store for a set of filters, as plain values.
    struct Answers: Equatable {
        var pages: [[String]] = []
        var cursors: [[String?]] = []
        var counts: [Int] = []
        var csv: [[UInt8]] = []
        var actors: [[String]] = []
        var workspaces: [String] = []
    }

    static func answers(of store: any AuditLogStore, filters: [EventFilter]) async throws -> Answers {
        var answers = Answers()
        for filter in filters {
            var ids: [String] = []
            var cursors: [String?] = []
            var after: EventPosition?
            repeat {
                let page = try await store.page(PageRequest(filter: filter, after: after, limit: 7), organizationID: "acme")
                ids += page.events.map { "\($0.sequence):\($0.id)" }
                cursors.append(page.next.map(Cursor.encode))
                after = page.next
            } while after != nil
            answers.pages.append(ids)
            answers.cursors.append(cursors)
            answers.counts.append(
                try await store.countMatches(filter, upTo: 10_000, throughSequence: nil, organizationID: "acme"))
            let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: filter, store: store)
            var bytes: [UInt8] = []
            try await export.write(from: store) { bytes += $0 }
            answers.csv.append(bytes)
        }
        for text in ["", "name of user_1", "USER", "ø"] {
            answers.actors.append(
                try await store.actors(matching: text, limit: 50, organizationID: "acme").map { "\($0.actor.id) \($0.lastSeenAt)" })
        }
        answers.workspaces = try await store.workspaces(organizationID: "acme").map { "\($0.workspace.id) \($0.lastSeenAt)" }
        return answers
    }

    @Test func everyBackendGivesTheSameAnswersForTheSameEvents() async throws {
        var log = RandomEventLog(seed: 7)
        // Names beyond ASCII, to compare how the backends order and search them: accents
        // precomposed and combining, a letter outside Latin, case pairs, an emoji.
        let names = ["Åsa Öberg", "Zoë Adams", "E\u{301}mile Zola", "émile bernard", "Ørjan", "Ωmega", "zed", "ZED 👩🏽‍💻"]
        let odd = names.enumerated().map { index, name in
            newEvent(
                id: "odd_\(index)", at: .testStart.adding(minutes: index),
                actor: Actor(id: "odd_\(index)", type: .user, name: name, email: "p\(index)@example.test"),
                workspace: WorkspaceReference(id: "ows_\(index)", name: name))
        }
        let events = log.events(count: 592) + odd
        let filters = [EventFilter(from: .earliest)] + (0..<25).map { _ in log.filter() }
        var results: [(StoreKind, Answers)] = []
        for kind in StoreKind.enabled {
            let store = try await kind.makeStore(organizations: "acme")
            for start in stride(from: 0, to: events.count, by: 150) {
                try await store.append(Array(events[start..<(start + 150)]), to: "acme")
            }
            results.append((kind, try await Self.answers(of: store, filters: filters)))
        }
        let (reference, expected) = try #require(results.first)
        #expect(expected.pages[0].count == events.count)
        for (kind, answers) in results.dropFirst() {
            #expect(answers.pages == expected.pages, "\(kind) pages differ from \(reference)'s")
            #expect(answers.cursors == expected.cursors, "\(kind) cursors differ from \(reference)'s")
            #expect(answers.counts == expected.counts)
            #expect(answers.csv == expected.csv, "\(kind) CSV differs from \(reference)'s")
            #expect(answers.actors == expected.actors)
            #expect(answers.workspaces == expected.workspaces)
        }
    }
}
