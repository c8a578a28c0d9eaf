import AuditLogCore
import AuditLogPasswords
import AuditLogStorage
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// What `auditlogs bench` is asked to do.
public struct BenchOptions: Sendable {
    /// Events to load (1M for the real run; a few thousand as CI's smoke test).
    public var events: Int
    /// Where the server keeps them: a SQLite path or a postgres:// URL; nil for a fresh SQLite
    /// file in a temporary folder.
    public var database: String?
    /// The `auditlogs` executable to run `serve` with (normally this process's own).
    public var executable: String
    /// How long each timed workload runs.
    public var workloadDuration: Duration
    /// Where the JSON report goes, if anywhere.
    public var output: String?
    /// Progress, for the person waiting.
    public var say: @Sendable (String) -> Void

    public init(
        events: Int, database: String?, executable: String, workloadDuration: Duration, output: String?,
        say: @escaping @Sendable (String) -> Void
    ) {
        self.events = events
        self.database = database
        self.executable = executable
        self.workloadDuration = workloadDuration
        self.output = output
        self.say = say
    }
}

/// `auditlogs bench`: the service measured from outside, over HTTP, by a Swift load generator,
/// each figure beside what the same work costs the storage engine alone in the same run.
public enum Benchmark {
    static let password = "bench-password-1"
    static let adminEmail = "bench-admin@bench-large.test"
    /// Events a request of the batch workload holds.
    static let batchSize = 500
    /// Events made, sent and let go at a time, so the load generator's memory stays bounded
    /// (10M events would be gigabytes of request bodies).
    static let chunkEvents = 200_000

    /// Runs every workload and returns the results, in report order.
    public static func run(_ options: BenchOptions) async throws -> [BenchResult] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auditlogs-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let location = options.database ?? directory.appendingPathComponent("bench.sqlite").path
        let say = options.say
        var results: [BenchResult] = []

        say("Generating \(options.events) events…")
        let dataset = BenchDataset(count: options.events, end: .now)
        let credentials = try await Credentials.make(location: location)

        let server = try await ServerProcess.start(executable: options.executable, database: location, directory: directory)
        defer { server.stop() }
        let port = server.port
        let token = credentials.token
        let large = BenchDataset.largeOrganization
        let duration = options.workloadDuration

        // The floor: a trivial endpoint of the same server.
        let health = try await Load.closedLoop(port: port, connections: 8, duration: duration, expect: 200) { _, _ in
            Load.Request(.GET, "/health")
        }
        results.append(BenchResult("GET /health, 8 connections (the HTTP floor)", health))

        // Batch ingestion: loads the dataset.
        say("Loading \(options.events) events over HTTP in batches of \(batchSize)…")
        // A chunk's bodies are made before it is sent; only the sending is timed.
        var loaded = Latencies()
        var progress = ProgressLine(total: options.events, unit: "events")
        try await dataset.forEachChunk(ofEvents: chunkEvents, batchSize: batchSize) { batches in
            let bodies = batches.map { ByteBuffer(bytes: $0.body()) }
            let keys = batches.map { credentials.keys[$0.organizationID]! }
            let chunk = try await Load.drain(port: port, connections: 4, count: bodies.count, expect: 201) { index in
                Load.Request(.POST, "/api/v1/events", token: keys[index], body: bodies[index])
            }
            loaded.merge(chunk)
            loaded.elapsed += chunk.elapsed
            progress.advance(by: batches.reduce(0) { $0 + $1.events.count }, elapsed: loaded.elapsed)
        }
        progress.finish()
        let eventsPerSecond = Double(options.events) / loaded.elapsed.seconds
        say("Inserting the same rows straight into the engine, for the baseline…")
        let raw = try await Baselines.rawInsert(dataset, location: location, directory: directory)
        results.append(
            BenchResult(
                "ingest over HTTP, batches of 500, 4 connections", loaded, throughput: eventsPerSecond, unit: "events/s",
                baseline: raw?.eventsPerSecond, baselineName: raw?.name, ratio: raw.map { eventsPerSecond / $0.eventsPerSecond },
                target: "≥ 0.8 × raw, ≥ 30,000/s"))

        // Through AuditLogClient, as a platform sends: batched by the client itself.
        say("Sending through AuditLogClient…")
        let clientEvents = min(options.events, 100_000)
        let viaClient = try await ClientWorkload.eventsPerSecond(port: port, key: credentials.keys[large]!, count: clientEvents)
        results.append(
            BenchResult(
                "ingest through AuditLogClient (\(clientEvents) events recorded from 4 tasks)", throughput: viaClient,
                unit: "events/s", baseline: eventsPerSecond, baselineName: "batches of 500 over 4 connections",
                ratio: viaClient / eventsPerSecond))
        results.append(
            BenchResult(
                "AuditLogClient's full buffer (10,000 events), bytes an event",
                throughput: try await ClientWorkload.bufferBytesPerEvent(capacity: 10_000), unit: "bytes"))

        // One event per request.
        for clients in [1, 16, 64] {
            let single = try await Load.closedLoop(port: port, connections: clients, duration: duration, expect: 201) { connection, index in
                // An event like the dataset's (~300 bytes): these become the newest rows, the
                // ones every first page after this shows, so pages compare like with like.
                let body =
                    #"{"id":"single-\#(clients)-\#(connection)-\#(index)","action":"UserLogin","occurred_at":"\#(Timestamp.now.rfc3339)","#
                    + #""actor":{"id":"user_1","type":"user","name":"Person 1","email":"person1@bench-large.test"},"#
                    + #""workspace":{"id":"ws_1","name":"Workspace 1"},"targets":[{"type":"asset","id":"asset_1","name":"Asset 1"}],"#
                    + #""context":{"ip_address":"203.0.113.1","user_agent":"Mozilla/5.0 (bench)"},"metadata":{"source":"bench"}}"#
                return Load.Request(.POST, "/api/v1/events", token: credentials.keys[large]!, body: ByteBuffer(string: body))
            }
            results.append(
                BenchResult(
                    "ingest one event a request, \(clients) client\(clients == 1 ? "" : "s")", single, unit: "events/s",
                    target: clients == 64 ? "≥ 4,000/s, p99 ≤ 20 ms" : nil))
        }

        // PostgreSQL plans from statistics, which autovacuum gathers on its own schedule,
        // minutes after a load; `auditlogs migrate` (the store's `optimize`) gathers them at once,
        // as a deployment that bulk-loads is told to do, so the reads below do not depend on
        // when autovacuum wakes. SQLite's reads are steered and need none.
        if case .postgres = StoreLocation(location) {
            say("Gathering PostgreSQL's statistics (ANALYZE)…")
            try await withStore(location: location, logger: PostgresBaselines.logger) { try await $0.optimize() }
        }

        // First pages.
        say("Reading first pages…")
        let base = "/api/v1/organizations/\(large)/audit-logs?limit=50"
        let action = dataset.actions[0]
        let rareAction = dataset.actions[dataset.actions.count - 1]
        let ninetyDays = "&from=" + Timestamp.now.adding(days: -91).rfc3339
        let shapes: [(String, String)] = [
            ("no filter", ""),
            ("no filter, 90 days", ninetyDays),
            ("action", "&action=\(action)"),
            ("actor", "&actor=user_3"),
            ("workspace", "&workspace=ws_2"),
            ("action + actor", "&action=\(action)&actor=user_3"),
            ("actor + workspace", "&actor=user_3&workspace=ws_2"),
            ("action + workspace", "&action=\(action)&workspace=ws_2"),
            ("action + actor + workspace", "&action=\(action)&actor=user_3&workspace=ws_2"),
            ("three actions", "&" + dataset.actions.prefix(3).map { "action=\($0)" }.joined(separator: "&")),
            ("nothing: an unknown actor", "&actor=user_nobody"),
            ("nothing: rare action + rare actor + rare workspace", "&action=\(rareAction)&actor=user_4999&workspace=ws_49"),
        ]
        var firstPages: [String: Latencies] = [:]
        for (name, query) in shapes {
            let (latencies, rows) = try await Load.repeated(port: port, times: 200, path: base + query, token: token)
            firstPages[name] = latencies
            let matches = rows > 0
            let rawPage = try await Baselines.rawPage(query: query, location: location, organizationID: large)
            results.append(
                BenchResult(
                    "first page (\(rows) rows), \(name)", latencies, baseline: rawPage, baselineName: rawPage.map { _ in "the same SQL, no HTTP" },
                    ratio: rawPage.map { latencies.percentile(0.5) / $0 },
                    target: matches ? "p95 ≤ 5 ms" : "p99 ≤ 50 ms"))
        }

        // Every filter shape, 40 first pages each, to name the worst: the one that matches and
        // is slowest at p95, measured again 200 times beside its SQL alone.
        let sweep = FilterShape.sweep(dataset, now: .now)
        say("Sweeping \(sweep.count) filter shapes…")
        var worst: (shape: FilterShape, p95: Double)?
        for shape in sweep {
            let (latencies, rows) = try await Load.repeated(port: port, times: 40, path: base + shape.query, token: token)
            results.append(BenchResult("shape: \(shape.name) (\(rows) rows)", latencies, target: rows > 0 ? "p95 ≤ 5 ms" : "p99 ≤ 50 ms"))
            let p95 = latencies.percentile(0.95)
            if rows > 0, p95 > worst?.p95 ?? 0 { worst = (shape, p95) }
        }
        if let worst {
            let (latencies, rows) = try await Load.repeated(port: port, times: 200, path: base + worst.shape.query, token: token)
            let rawPage = try await Baselines.rawPage(query: worst.shape.query, location: location, organizationID: large)
            results.append(
                BenchResult(
                    "the worst shape: \(worst.shape.name) (\(rows) rows)", latencies, baseline: rawPage,
                    baselineName: rawPage.map { _ in "the same SQL, no HTTP" }, ratio: rawPage.map { latencies.percentile(0.5) / $0 },
                    target: "p95 ≤ 5 ms"))
        }

        // Keyset pages deep into the 90 days.
        let cursors = try await Load.cursors(
            port: port, path: base.replacingOccurrences(of: "limit=50", with: "limit=500") + ninetyDays, token: token,
            depths: [1_000, 10_000, 100_000])
        let first90 = firstPages["no filter, 90 days"]!.percentile(0.5)
        for (depth, cursor) in cursors.sorted(by: { $0.key < $1.key }) {
            let (latencies, rows) = try await Load.repeated(port: port, times: 100, path: base + ninetyDays + "&cursor=\(cursor)", token: token)
            results.append(
                BenchResult(
                    "page (\(rows) rows) at depth \(depth)", latencies, baseline: first90, baselineName: "the first page, 90 days",
                    ratio: latencies.percentile(0.5) / first90, target: "≤ 1.2 × the first page"))
        }

        // Exports.
        say("Exporting…")
        let exportPath = "/api/v1/organizations/\(large)/audit-logs/export.csv?" + ninetyDays.dropFirst()
        let (exports, exportRows) = try await Load.repeated(port: port, times: 30, path: exportPath, token: token, count: Load.csvRows)
        let csvBaseline = try await Baselines.csvWithoutHTTP(location: location, organizationID: large, days: 91)
        results.append(
            BenchResult(
                "export (\(exportRows) rows, at most 2,500)", exports, baseline: csvBaseline, baselineName: "the same CSV, no HTTP",
                ratio: csvBaseline.map { exports.percentile(0.5) / $0 }, target: "p50 ≤ 25 ms, p99 ≤ 60 ms, ≤ 1.5 × no HTTP"))

        // Throughput at 8 connections, against the floor.
        let floor = health.throughput
        let pages8 = try await Load.closedLoop(port: port, connections: 8, duration: duration, expect: 200) { _, _ in
            Load.Request(.GET, base, token: token)
        }
        results.append(
            BenchResult(
                "first pages, 8 connections", pages8, baseline: floor, baselineName: "/health, 8 connections",
                ratio: pages8.throughput / floor, target: "≥ 0.4 × /health"))
        let exports8 = try await Load.closedLoop(port: port, connections: 8, duration: duration, expect: 200) { _, _ in
            Load.Request(.GET, exportPath, token: token)
        }
        results.append(
            BenchResult(
                "exports, 8 connections", exports8, baseline: floor, baselineName: "/health, 8 connections",
                ratio: exports8.throughput / floor, target: "≥ 0.02 × /health"))

        // Actor search as an admin types.
        for prefix in ["p", "pe", "per", "pers"] {
            let (latencies, rows) = try await Load.repeated(
                port: port, times: 100, path: "/api/v1/organizations/\(large)/actors?q=\(prefix)", token: token)
            results.append(BenchResult("actor search \"\(prefix)\" (\(rows) actors)", latencies, target: "p99 ≤ 5 ms"))
        }

        // The feed's long-poll and a log stream behind a steady flow of events.
        say("Following a steady 2,000 events/s with the feed and a log stream…")
        let lags = try await LagWorkload.measure(
            port: port, organizationID: large, key: credentials.keys[large]!, token: token, rate: 2_000,
            duration: max(duration, .seconds(3)))
        for (name, latencies) in [("feed long-poll", lags.feed), ("log stream", lags.stream)] {
            var result = BenchResult(
                "\(name) lag behind acknowledgement, ms (\(Int(lags.sentPerSecond.rounded())) events/s sent)", latencies, unit: "",
                target: "p50 ≤ 50 ms, p99 ≤ 250 ms")
            result.throughput = nil
            results.append(result)
        }

        results.append(
            BenchResult(
                "server peak resident memory, MiB", throughput: Double(server.peakResidentKiB()) / 1024, unit: "MiB",
                target: "≤ 150 MiB"))
        if let flush = Baselines.flushTime(directory: directory) {
            var result = BenchResult("one disk flush (write 4 KiB + fsync), this disk", flush, unit: "")
            result.throughput = nil
            results.append(result)
        }
        return results
    }

    /// The accounts the workloads use: an ingest key per organization, an admin's token.
    struct Credentials: Sendable {
        var keys: [String: String]
        var token: String

        static func make(location: String) async throws -> Credentials {
            var logger = Logger(label: "auditlogs.bench")
            logger.logLevel = .warning
            return try await withStore(location: location, logger: logger) { backend in
                let administration = AdministrationService(store: backend, passwords: BcryptPasswordHasher(cost: 4))
                var keys: [String: String] = [:]
                for organization in BenchDataset.organizations {
                    do {
                        try await administration.createOrganization(id: organization, name: organization)
                    } catch let error as AuditLogError where error.kind == .conflict {}
                    keys[organization] = try await administration.createAPIKey(organizationID: organization).secret
                }
                do {
                    _ = try await administration.addMember(
                        email: adminEmail, name: "Bench Admin", password: password, role: .admin,
                        organizationID: BenchDataset.largeOrganization)
                } catch let error as AuditLogError where error.kind == .conflict {}
                let token = try await administration.createPersonalToken(email: adminEmail).secret
                return Credentials(keys: keys, token: token)
            }
        }
    }
}

/// Driving HTTP load.
enum Load {
    struct Request: Sendable {
        var method: HTTPMethod
        var path: String
        var token: String?
        var body: ByteBuffer?

        init(_ method: HTTPMethod, _ path: String, token: String? = nil, body: ByteBuffer? = nil) {
            self.method = method
            self.path = path
            self.token = token
            self.body = body
        }
    }

    /// `connections` clients, each sending one request after another for `duration` (and at
    /// least one, however slowly its connection opened); an unexpected answer is counted as a
    /// failure.
    static func closedLoop(
        port: Int,
        connections: Int,
        duration: Duration,
        expect: Int,
        _ request: @escaping @Sendable (_ connection: Int, _ index: Int) -> Request
    ) async throws -> Latencies {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: duration)
        return try await drive(port: port, connections: connections, expect: expect, stopAtUnexpected: false) { connection, index in
            index == 0 || clock.now < end ? request(connection, index) : nil
        }
    }

    /// `count` requests, shared among `connections` clients, as fast as they go; an unexpected
    /// answer stops the run.
    static func drain(
        port: Int,
        connections: Int,
        count: Int,
        expect: Int,
        _ request: @escaping @Sendable (Int) -> Request
    ) async throws -> Latencies {
        let counter = Counter()
        return try await drive(port: port, connections: connections, expect: expect, stopAtUnexpected: true) { _, _ in
            let index = counter.take()
            return index < count ? request(index) : nil
        }
    }

    /// `connections` clients, each on a connection of its own, sending what `next` gives it
    /// until it gives nil; their latencies together, and the wall time they took.
    private static func drive(
        port: Int,
        connections: Int,
        expect: Int,
        stopAtUnexpected: Bool,
        _ next: @escaping @Sendable (_ connection: Int, _ index: Int) -> Request?
    ) async throws -> Latencies {
        let (latencies, elapsed) = try await measure {
            try await withThrowingTaskGroup(of: Latencies.self) { group in
                for connection in 0..<connections {
                    group.addTask {
                        try await HTTPLoadConnection.with(host: "127.0.0.1", port: port) { client in
                            var latencies = Latencies()
                            var index = 0
                            while let item = next(connection, index) {
                                index += 1
                                let (answer, time) = try await measure {
                                    try await client.send(item.method, item.path, token: item.token, body: item.body)
                                }
                                latencies.add(time)
                                guard answer.status == expect else {
                                    latencies.failures += 1
                                    if stopAtUnexpected {
                                        throw UnexpectedAnswer(path: item.path, status: answer.status, body: String(buffer: answer.body))
                                    }
                                    continue
                                }
                            }
                            return latencies
                        }
                    }
                }
                return try await group.reduce(into: Latencies()) { $0.merge($1) }
            }
        }
        var result = latencies
        result.elapsed = elapsed
        return result
    }

    /// `times` GETs of `path` on one connection, after 5 unmeasured; with what `count` finds in
    /// the last answer (by default, the rows of its `data`).
    static func repeated(
        port: Int,
        times: Int,
        path: String,
        token: String,
        count: (ByteBuffer) throws -> Int = Load.rows(in:)
    ) async throws -> (Latencies, Int) {
        try await HTTPLoadConnection.with(host: "127.0.0.1", port: port) { client in
            var latencies = Latencies()
            var size = 0
            let clock = ContinuousClock()
            let start = clock.now
            for attempt in 0..<(times + 5) {
                let (answer, time) = try await measure { try await client.send(.GET, path, token: token) }
                guard answer.status == 200 else {
                    throw UnexpectedAnswer(path: path, status: answer.status, body: String(buffer: answer.body))
                }
                if attempt >= 5 { latencies.add(time) }
                size = try count(answer.body)
            }
            latencies.elapsed = clock.now - start
            return (latencies, size)
        }
    }

    /// Follows `next_cursor` from the first page of `path` and returns the cursor after each of
    /// `depths` rows (the depths the data reaches).
    static func cursors(port: Int, path: String, token: String, depths: [Int]) async throws -> [Int: String] {
        try await HTTPLoadConnection.with(host: "127.0.0.1", port: port) { client in
            var found: [Int: String] = [:]
            var read = 0
            var cursor: String?
            repeat {
                let answer = try await client.send(.GET, path + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                guard answer.status == 200, case .object(let page) = try JSONParser.parse(answer.body.readableBytesView) else {
                    throw UnexpectedAnswer(path: path, status: answer.status, body: String(buffer: answer.body))
                }
                if case .array(let items)? = page["data"] { read += items.count }
                cursor = page["next_cursor"]?.stringValue
                for depth in depths where read == depth { found[depth] = cursor }
            } while cursor != nil && read < (depths.max() ?? 0)
            return found
        }
    }

    /// Hands out 0, 1, 2… to the clients that share a list of requests.
    final class Counter: Sendable {
        private let next = Mutex(0)

        func take() -> Int {
            next.withLock { value in
                defer { value += 1 }
                return value
            }
        }
    }

    /// The data rows of a CSV body whose cells hold no line breaks.
    static func csvRows(_ body: ByteBuffer) -> Int {
        max(0, body.readableBytesView.count { $0 == UInt8(ascii: "\n") } - 1)
    }

    static func rows(in body: ByteBuffer) throws -> Int {
        guard case .object(let object) = try JSONParser.parse(body.readableBytesView), case .array(let items)? = object["data"]
        else { return 0 }
        return items.count
    }

    struct UnexpectedAnswer: Error, CustomStringConvertible {
        var path: String
        var status: Int
        var body: String
        var description: String { "\(path) answered \(status): \(body.prefix(300))" }
    }
}
