import AuditLogCore
import AuditLogRelational
import AuditLogSQLite
import AuditLogStorage
import Foundation
import GRDB
import Logging

/// What the same work costs without the service: the storage engine alone, the CSV without
/// HTTP, the disk's flush. Measured in the same run, on the same machine, as the workloads.
enum Baselines {
    /// The same rows inserted straight into a new database with the same schema, indexes and
    /// settings, 500 a transaction: the engine's limit for ingestion. The rows are encoded and
    /// chained (`EventChain`) as they are inserted, as the service's writer does. On SQLite, a new file
    /// (`synchronous = FULL`, WAL); on PostgreSQL, `COPY` into a new database of the same server.
    /// The dataset is made again, chunk by chunk, and only the inserts are timed.
    static func rawInsert(
        _ dataset: BenchDataset,
        location: String,
        directory: URL
    ) async throws -> (name: String, eventsPerSecond: Double)? {
        if case .postgres(let url) = StoreLocation(location) {
            return try await PostgresBaselines.rawInsert(dataset, url: url)
        }
        let path = directory.appendingPathComponent("baseline.sqlite").path
        do {
            // The service's own schema and pragmas; closed again before the raw inserts.
            _ = try SQLiteStore(path: path)
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16000")
            try db.execute(sql: "PRAGMA cache_size = -8000")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            for organization in BenchDataset.organizations {
                try db.execute(
                    sql: "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, 0)", arguments: [organization, organization])
            }
        }
        let received = Timestamp.now
        var elapsed = Duration.zero
        var chains: [String: (sequence: Int64, head: [UInt8])] = [:]
        try await dataset.forEachChunk(ofEvents: Benchmark.chunkEvents, batchSize: Benchmark.batchSize) { batches in
            let (_, time) = try await measure {
                for batch in batches {
                    let chain = chains[batch.organizationID, default: (0, EventChain.genesis)]
                    chains[batch.organizationID] = try await queue.write { db in
                        let insert = try db.cachedStatement(
                            sql:
                                "INSERT INTO events (\(EventSelect.eventColumns), chain_hash) VALUES (\(EventRow.columns.map { _ in "?" }.joined(separator: ", ")), ?)"
                        )
                        var (sequence, head) = chain
                        for event in batch.events {
                            sequence += 1
                            let values = batch.values(of: event, sequence: sequence, receivedAt: received)
                            head = ChainContent(values: values).hash(after: head, sequence: sequence)
                            try insert.execute(arguments: StatementArguments(values) + [Data(head)])
                        }
                        return (sequence, head)
                    }
                }
            }
            elapsed += time
        }
        return (
            "the same rows, encoded and chained, inserted straight into SQLite, 500 a transaction", Double(dataset.count) / elapsed.seconds
        )
    }

    /// The p50, in ms, of the first page's SQL run straight on the server's database (reading
    /// every column of the 51 rows), for the page's `query`.
    static func rawPage(query: String, location: String, organizationID: String) async throws -> Double? {
        let parameters = query.split(separator: "&").compactMap { pair -> (name: String, value: String)? in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
        let parsed = try EventQuery.parse(parameters, now: .now, paging: true)
        let request = PageRequest(filter: parsed.filter, limit: 50)
        let path: String
        switch StoreLocation(location) {
        case .postgres(let url):
            let select = EventSelect(
                request, organizationID: organizationID, columns: EventSelect.eventColumns, limit: 51, dialect: .postgres)
            return try await PostgresBaselines.rawPage(select, url: url)
        case .sqlite(let file):
            path = file
        }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        var latencies = Latencies()
        for attempt in 0..<105 {
            // The served page's work: choosing the driving filter (counting on the indexes), then the page.
            let (_, time) = try await measure {
                try queue.read { db in
                    let select = EventSelect(
                        request, organizationID: organizationID, columns: EventSelect.eventColumns, limit: 51, dialect: .sqlite,
                        driving: try SQLiteStore.drivingFilter(request, organizationID, db))
                    return try Row.fetchAll(db, sql: select.sql, arguments: select.statementArguments)
                }
            }
            if attempt >= 5 { latencies.add(time) }
        }
        return latencies.percentile(0.5)
    }

    /// The p50, in ms, of the default export (2,500 rows) made and CSV-encoded in this process,
    /// without HTTP; nothing is recorded.
    static func csvWithoutHTTP(location: String, organizationID: String, days: Int64) async throws -> Double? {
        var logger = Logger(label: "auditlogs.bench")
        logger.logLevel = .warning
        return try await withStore(location: location, logger: logger) { backend in
            let service = AuditLogService(store: backend)
            let query = try service.query([("from", Timestamp.now.adding(days: -days).rfc3339)], paging: false)
            var latencies = Latencies()
            for attempt in 0..<35 {
                let (_, time) = try await measure {
                    let export = try await service.previewExport(query, organizationID: organizationID)
                    var bytes = 0
                    try await service.stream(export) { bytes += $0.count }
                    return bytes
                }
                if attempt >= 5 { latencies.add(time) }
            }
            return latencies.percentile(0.5)
        }
    }

    /// 50 flushes of 4 KiB written to a file beside the database.
    static func flushTime(directory: URL) -> Latencies? {
        let path = directory.appendingPathComponent("flush.bin").path
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o600)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 7, count: 4_096)
        var latencies = Latencies()
        let clock = ContinuousClock()
        for index in 0..<50 {
            let start = clock.now
            _ = block.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, 4_096, off_t(index * 4_096)) }
            fsync(descriptor)
            latencies.add(clock.now - start)
        }
        return latencies
    }
}
