import AuditLogCore
import AuditLogTestSupport
import Foundation
import GRDB
import Testing

@testable import AuditLogSQLite

/// SQLite only: what a 2xx promises — the commit is flushed before the answer — and what a
/// storage failure becomes: `unavailable`, nothing acknowledged, and recovery by itself.
@Suite struct SQLiteDurabilityTests {
    static func makeStore() async throws -> SQLiteStore {
        let store = try SQLiteStore(path: try await StoreKind.sqlite.makeDatabase().location)
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        return store
    }

    /// GRDB's WAL set-up turns the writer to NORMAL after `prepareDatabase`; FULL must survive it.
    @Test func theWriterFlushesEveryCommit() async throws {
        let location = try await StoreKind.sqlite.makeDatabase().location
        let store = try SQLiteStore(path: location)
        #expect(try await store.writerSynchronousLevel() == SQLiteStore.SynchronousLevel.full)
        // And after reopening an existing file, as a restarted server does.
        let reopened = try SQLiteStore(path: location)
        #expect(try await reopened.writerSynchronousLevel() == 2)
        #expect(try await reopened.pool.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test func aFullDiskRefusesTheAppendAsUnavailableAndStoresNothing() async throws {
        let store = try await Self.makeStore()
        _ = try await store.append([newEvent(id: "before")], organizationID: "acme", receivedAt: .testReceived)
        try await Self.limitToCurrentSize(store)

        let big = (0..<200).map { newEvent(id: "full_\($0)", details: String(repeating: "x", count: 2_000)) }
        let error = await #expect(throws: AuditLogError.self) {
            try await store.append(big, organizationID: "acme", receivedAt: .testReceived)
        }
        #expect(error?.kind == .unavailable)
        #expect(error?.code == "storage_unavailable")
        #expect(error?.message.contains("the disk is full") == true)
        #expect(try await store.latestSequence(organizationID: "acme") == 1)
        #expect(try await store.allEvents(organizationID: "acme").map(\.id) == ["before"])

        // Space returns: the same store takes the same events, without a restart.
        try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = 1073741823") }
        let appended = try await store.append(big, organizationID: "acme", receivedAt: .testReceived)
        #expect(appended.count { $0.created } == 200)
        #expect(try await store.latestSequence(organizationID: "acme") == 201)
    }

    /// Group commit must not acknowledge a job whose transaction a full disk rolled back, even
    /// when that job's own savepoint went through before another job hit the limit.
    @Test func noJobOfAGroupIsAcknowledgedWhenTheDiskFillsDuringIt() async throws {
        let store = try await Self.makeStore()
        try await Self.limitToCurrentSize(store, spare: 8)
        let results = await withTaskGroup(of: Result<[AppendedEvent], any Error>.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let events = (0..<5).map { newEvent(id: "job\(index)_\($0)", details: String(repeating: "y", count: 1_500)) }
                    do {
                        return .success(try await store.append(events, organizationID: "acme", receivedAt: .testReceived))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let acknowledged = results.compactMap { try? $0.get() }.flatMap { $0 }
        let failures = results.compactMap { result -> AuditLogError? in
            if case .failure(let error) = result { return error as? AuditLogError }
            return nil
        }
        #expect(failures.isEmpty == false, "the disk limit was never reached")
        #expect(failures.allSatisfy { $0.kind == .unavailable })
        // Exactly what was acknowledged is stored: nothing more, nothing less.
        let stored = try await store.allEvents(organizationID: "acme")
        #expect(Set(stored.map(\.id)) == Set(acknowledged.map(\.id)))
        #expect(stored.map(\.sequence).sorted() == Array(1...Int64(stored.count)))
    }

    /// Caps the file at its current size (plus `spare` pages), as a full disk would.
    static func limitToCurrentSize(_ store: SQLiteStore, spare: Int = 0) async throws {
        try await store.pool.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages + spare)")
        }
    }
}
