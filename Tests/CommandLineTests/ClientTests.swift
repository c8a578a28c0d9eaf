import AuditLogClient
import AuditLogCore
import AuditLogSQLite
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import AuditLogBench

/// AuditLogClient against a real `auditlogs serve`: nothing lost, nothing stored twice, however
/// often the service dies; a full buffer waits or drops; shutdown flushes; a wrong event is
/// reported and not retried.
@Suite(.serialized) struct ClientTests {
    /// A database with organization acme and its ingest key, and a free port for its server.
    struct Service {
        let database: String
        let key: String
        let port: Int
        var base: URL { URL(string: "http://127.0.0.1:\(port)")! }

        init() async throws {
            port = try ServerProcess.freePort()
            database = try Command.temporaryDatabase()
            _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
            key = try #require(try await Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        }

        func start() async throws -> Process {
            let server = try Command.serve(database: database, port: port)
            try await HTTP.waitUntilHealthy(base, server)
            return server
        }

        /// Every stored id of acme, with how often it is stored.
        func storedIDs() async throws -> [String: Int] {
            let store = try SQLiteStore(path: database)
            var counts: [String: Int] = [:]
            var after: Int64 = 0
            while true {
                let events = try await store.events(after: after, limit: 1_000, organizationID: "acme")
                guard let last = events.last else { return counts }
                for event in events { counts[event.id, default: 0] += 1 }
                after = last.sequence
            }
        }

        func configuration() -> AuditLogClientConfiguration {
            var configuration = AuditLogClientConfiguration(baseURL: base.absoluteString, ingestKey: key)
            configuration.firstRetryDelay = .milliseconds(20)
            configuration.maximumRetryDelay = .milliseconds(300)
            configuration.requestTimeout = .seconds(5)
            return configuration
        }
    }

    static func event(_ index: Int, action: String = "UserLogin") -> NewEvent {
        NewEvent(
            action: action, occurredAt: .now, actor: Actor(id: "user_\(index % 50)", type: .user, name: "User \(index % 50)"),
            metadata: ["n": .integer(Int64(index))])
    }

    /// Runs the client as an application would (in a service group), `body`, then a graceful
    /// shutdown, which flushes.
    static func running<Value: Sendable>(_ client: AuditLogClient, _ body: @Sendable () async throws -> Value) async throws -> Value {
        let group = ServiceGroup(services: [client], logger: Logger(label: "test-client"))
        let task = Task { try await group.run() }
        do {
            let value = try await body()
            await group.triggerGracefulShutdown()
            try await task.value
            return value
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
    }

    @Test func tenThousandEventsFromSixteenTasksSurviveTwoKillsExactlyOnce() async throws {
        let service = try await Service()
        let server = Running(try await service.start())
        let client = AuditLogClient(configuration: service.configuration())
        // Each recording task stops at a gate; with all sixteen there, the service dies without
        // warning, the tasks go on recording while it is down, and it comes back. Twice.
        let gates = [Gate(), Gate()]
        let ids = try await Self.running(client) {
            try await withThrowingTaskGroup(of: [String].self) { group in
                for task in 0..<16 {
                    group.addTask {
                        var ids: [String] = []
                        for index in 0..<625 {
                            if index == 208 { try await gates[0].pass() }
                            if index == 416 { try await gates[1].pass() }
                            ids.append(try #require(try await client.record(Self.event(task * 625 + index))))
                            if index % 50 == 0 { try await Task.sleep(for: .milliseconds(15)) }
                        }
                        return ids
                    }
                }
                for gate in gates {
                    try await gate.waitForArrivals(16)
                    kill(server.process.processIdentifier, SIGKILL)
                    server.process.waitUntilExit()
                    gate.open()
                    // Events recorded while the service is down wait for it.
                    let deadline = ContinuousClock.now + .seconds(30)
                    while await client.pending == 0 {
                        try #require(ContinuousClock.now < deadline, "nothing was recorded while the service was down")
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    try await Task.sleep(for: .milliseconds(100))
                    server.process = try await service.start()
                }
                var all: [String] = []
                for try await ids in group { all += ids }
                return all
            }
        }
        defer { server.process.terminate() }
        #expect(ids.count == 10_000)
        #expect(Set(ids).count == 10_000)
        #expect(await client.pending == 0)
        let stored = try await service.storedIDs()
        #expect(stored.count == 10_000)
        #expect(Set(stored.keys) == Set(ids))
        #expect(stored.values.allSatisfy { $0 == 1 })
    }

    @Test func aFullBufferDropsWhenToldToAndCountsWhatItDropped() async throws {
        let service = try await Service()  // not started: nothing can be sent
        var configuration = service.configuration()
        configuration.bufferCapacity = 100
        configuration.whenFull = .drop
        let client = AuditLogClient(configuration: configuration)
        var kept = 0
        var dropped = 0
        for index in 0..<150 {
            if try await client.record(Self.event(index)) == nil { dropped += 1 } else { kept += 1 }
        }
        #expect(kept == 100)
        #expect(dropped == 50)
        #expect(await client.pending == 100)
    }

    @Test func aFullBufferWaitsUntilTheServiceTakesEvents() async throws {
        let service = try await Service()
        var configuration = service.configuration()
        configuration.bufferCapacity = 100
        configuration.whenFull = .wait
        // The sender takes whole buffers only, so what it holds does not depend on timing.
        configuration.batchSize = 100
        configuration.flushInterval = .seconds(60)
        configuration.maximumInFlight = 2
        let client = AuditLogClient(configuration: configuration)
        let recorded = RecordCount()
        let server = try await Self.running(client) {
            let recorder = Task {
                for index in 0..<400 {
                    _ = try await client.record(Self.event(index))
                    recorded.value.add(1, ordering: .relaxed)
                }
            }
            // With the service down the recorder stops at the buffer's capacity, plus the two
            // batches the sender holds in flight and retries.
            let deadline = ContinuousClock.now + .seconds(10)
            while recorded.value.load(ordering: .relaxed) < 300, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(recorded.value.load(ordering: .relaxed) == 300)
            let server = try await service.start()
            try await recorder.value
            #expect(recorded.value.load(ordering: .relaxed) == 400)
            return server
        }
        defer { server.terminate() }
        #expect(try await service.storedIDs().count == 400)
    }

    @Test func aGracefulShutdownSendsWhatIsBuffered() async throws {
        let service = try await Service()
        let server = try await service.start()
        defer { server.terminate() }
        var configuration = service.configuration()
        configuration.flushInterval = .seconds(60)  // nothing goes until the shutdown
        configuration.batchSize = 1_000
        let client = AuditLogClient(configuration: configuration)
        try await Self.running(client) {
            for index in 0..<400 { try await client.record(Self.event(index)) }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await service.storedIDs().isEmpty)
        }
        #expect(try await service.storedIDs().count == 400)
    }

    @Test func aWrongEventIsRefusedAtOnceOrReportedAndNeverRetried() async throws {
        let service = try await Service()
        let server = try await service.start()
        defer { server.terminate() }
        let rejected = Mutex<[RejectedEvent]>([])
        var configuration = service.configuration()
        configuration.flushInterval = .seconds(60)  // the three events go in one batch, at the shutdown
        let client = AuditLogClient(configuration: configuration, onRejected: { events in rejected.withLock { $0 += events } })

        // What the client can tell alone fails in the sender's own code, at once.
        let typo = await #expect(throws: AuditLogError.self) { try await client.record(Self.event(0, action: "MemberInvitd")) }
        #expect(typo?.details.first?.field == "action")
        await #expect(throws: AuditLogError.self) {
            try await client.record(NewEvent(action: "UserLogin", occurredAt: .now, actor: Actor(id: "", type: .user)))
        }

        // What only the service can tell (an id twice in one batch) is reported, once.
        try await Self.running(client) {
            var twice = Self.event(1)
            twice.id = "evt_twice"
            try await client.record(twice)
            try await client.record(twice)
            try await client.record(Self.event(2))
        }
        #expect(rejected.withLock { $0.map(\.id) } == ["evt_twice"])
        let stored = try await service.storedIDs()
        #expect(stored["evt_twice"] == 1)
        #expect(stored.count == 2)

        // send waits for the durable answer, and throws what the service refused.
        let appended = try await client.send([Self.event(3), Self.event(4)])
        #expect(appended.count == 2)
        #expect(try await service.storedIDs().count == 4)
    }
}

/// Reading with AuditLogClient: every page of a filtered list, the feed, an export to a file.
@Suite struct ReaderTests {
    @Test func readsEveryPageTheFeedAndAnExportAsTheServiceServesThem() async throws {
        let service = try await ClientTests.Service()
        let server = try await service.start()
        defer { server.terminate() }
        let client = AuditLogClient(configuration: service.configuration())
        // 1,203 events: 3 AssetDeleted among them, one with an id holding a `+`.
        var events = (0..<1_200).map { ClientTests.event($0) }
        for index in [7, 400, 1_100] { events[index].action = "AssetDeleted" }
        events[400].id = "evt_plus+sign"
        events += [ClientTests.event(1_200), ClientTests.event(1_201), ClientTests.event(1_202)]
        let appended = try await client.send(events)
        #expect(appended.count == 1_203)
        let readKey = try #require(
            try await Command.run(["key", "create", "--database", service.database, "--org", "acme", "--scope", "read"]).lines.last)
        let reader = AuditLogReader(baseURL: service.base.absoluteString, token: readKey)
        let week = EventFilter(from: .now.adding(days: -7))

        // Every page, newest first: pages of 100 are followed to the end.
        var listed: [AuditEvent] = []
        for try await event in reader.auditLogs(organization: "acme", filter: week, pageSize: 100) { listed.append(event) }
        #expect(listed.count == 1_203)
        #expect(Set(listed.map(\.id)) == Set(appended.map(\.id)))
        #expect(Set(listed.map(\.sequence)).count == 1_203)
        #expect(zip(listed, listed.dropFirst()).allSatisfy { ($0.occurredAt, $0.sequence) > ($1.occurredAt, $1.sequence) })
        var deleted: [AuditEvent] = []
        for try await event in reader.auditLogs(organization: "acme", filter: EventFilter(actions: ["AssetDeleted"], from: week.from)) {
            deleted.append(event)
        }
        #expect(Set(deleted.map(\.id)) == [appended[7].id, "evt_plus+sign", appended[1_100].id])
        #expect(deleted.first?.actor.name?.hasPrefix("User ") == true)

        // The feed, in ingestion order, from the middle.
        let (page, next) = try await reader.feed(organization: "acme", after: 1_000, limit: 150)
        #expect(page.map(\.sequence) == Array(1_001...1_150))
        #expect(next == 1_150)
        let (rest, last) = try await reader.feed(organization: "acme", after: next)
        #expect(rest.map(\.sequence) == Array(1_151...1_203))
        #expect(try await reader.feed(organization: "acme", after: last).events.isEmpty)

        // An export to a file: the same CSV the command line writes, with its id.
        let file = URL(fileURLWithPath: service.database + ".csv")
        let export = try await reader.export(organization: "acme", filter: EventFilter(actions: ["AssetDeleted"], from: week.from), to: file)
        #expect(export.rows == 3)
        #expect(!export.truncated)
        #expect(export.id?.hasPrefix("exp_") == true)
        let csv = try String(contentsOf: file, encoding: .utf8)
        #expect(csv.split(separator: "\r\n").count == 4)
        #expect(csv.components(separatedBy: ",AssetDeleted,").count - 1 == 3)
        // The same as JSON Lines: one event per line, as the reader reads them.
        let lines = URL(fileURLWithPath: service.database + ".jsonl")
        let jsonl = try await reader.export(
            organization: "acme", filter: EventFilter(actions: ["AssetDeleted"], from: week.from), format: .jsonLines, to: lines)
        #expect(jsonl.rows == 3)
        let written = try String(contentsOf: lines, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
        #expect(written.map { $0["id"]?.stringValue } == deleted.map(\.id))

        // One event by id, a plus sign and all; none for an id the organization does not have.
        #expect(try await reader.event(organization: "acme", id: "evt_plus+sign") == deleted.first { $0.id == "evt_plus+sign" })
        #expect(try await reader.event(organization: "acme", id: "evt_nowhere/..") == nil)
        #expect(try await reader.event(organization: "acme", id: "e\u{0301}v\u{202E}t") == nil)

        // Another organization, or a wrong token, is an error with the service's reason.
        let refused = await #expect(throws: AuditLogError.self) { try await reader.feed(organization: "globex", after: 0) }
        #expect(refused?.kind == .notFound)
        #expect(refused?.code == "not_found")
        let stranger = AuditLogReader(baseURL: service.base.absoluteString, token: "alr_" + String(repeating: "x", count: 43))
        await #expect(throws: AuditLogError.self) { try await stranger.feed(organization: "acme", after: 0) }
    }
}

/// The running server, which a test replaces after each kill.
final class Running: @unchecked Sendable {
    var process: Process
    init(_ process: Process) { self.process = process }
}

/// Events recorded so far, read while a recorder runs.
final class RecordCount: Sendable {
    let value = Atomic(0)
}

/// Where tasks wait until the test opens it.
final class Gate: Sendable {
    private let arrivals = Atomic(0)
    private let isOpen = Atomic(false)

    func pass() async throws {
        arrivals.add(1, ordering: .sequentiallyConsistent)
        while !isOpen.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// Waits for `count` tasks to arrive, failing after a minute rather than hanging the run.
    func waitForArrivals(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while arrivals.load(ordering: .sequentiallyConsistent) < count {
            guard ContinuousClock.now < deadline else {
                throw GateTimeout(arrived: arrivals.load(ordering: .sequentiallyConsistent), expected: count)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func open() { isOpen.store(true, ordering: .sequentiallyConsistent) }
}

struct GateTimeout: Error {
    let arrived: Int
    let expected: Int
}
