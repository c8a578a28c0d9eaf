import AuditLogCore
import AuditLogPostgres
import AuditLogRelational
import AuditLogStorage
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// PostgreSQL's own limits, measured beside the service on the same server.
enum PostgresBaselines {
    static var logger: Logger {
        var logger = Logger(label: "auditlogs.bench")
        logger.logLevel = .warning
        return logger
    }

    /// The same rows sent with `COPY … FROM STDIN` into a new database on the same server with the
    /// service's schema, 500 rows a transaction (`synchronous_commit = on`).
    static func rawInsert(_ dataset: BenchDataset, url: String) async throws -> (name: String, eventsPerSecond: Double) {
        let server = try PostgresStore.Endpoint(url: url)
        let name = "bench_raw_\(UInt32.random(in: 0...UInt32.max))"
        let raw = try PostgresStore.Endpoint(url: replacingDatabase(of: url, with: name))
        try await withClient(server.configuration) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")).collect()
        }
        do {
            // The service's own schema and partitions.
            try await withStore(location: replacingDatabase(of: url, with: name), logger: logger) { _ in }
            let received = Timestamp.now
            // The dataset is made again, chunk by chunk, and only the copies are timed.
            let elapsed = try await withClient(raw.configuration) { client in
                try await client.withConnection { connection in
                    var elapsed = Duration.zero
                    var chains: [String: (sequence: Int64, head: [UInt8])] = [:]
                    try await dataset.forEachChunk(ofEvents: Benchmark.chunkEvents, batchSize: Benchmark.batchSize) { batches in
                        let (_, time) = try await measure {
                            for batch in batches {
                                var buffer = ByteBuffer()
                                var (sequence, head) = chains[batch.organizationID, default: (0, EventChain.genesis)]
                                for event in batch.events {
                                    sequence += 1
                                    let values = batch.values(of: event, sequence: sequence, receivedAt: received)
                                    head = ChainContent(values: values).hash(after: head, sequence: sequence)
                                    copyRow(values, hash: head, into: &buffer)
                                }
                                chains[batch.organizationID] = (sequence, head)
                                try await connection.copyFrom(table: "events", columns: columns, logger: logger) { writer in
                                    try await writer.write(buffer)
                                }
                            }
                        }
                        elapsed += time
                    }
                    return elapsed
                }
            }
            try await dropDatabase(name, server: server)
            return (
                "the same rows, encoded and chained, sent straight to PostgreSQL with COPY, 500 a transaction",
                Double(dataset.count) / elapsed.seconds
            )
        } catch {
            try? await dropDatabase(name, server: server)
            throw error
        }
    }

    /// The p50, in ms, of the first page's SQL run straight on the service's database.
    static func rawPage(_ select: EventSelect, url: String) async throws -> Double {
        let endpoint = try PostgresStore.Endpoint(url: url)
        return try await withClient(endpoint.configuration) { client in
            try await client.withConnection { connection in
                let query = PostgresQuery(select.sql, select.arguments)
                var latencies = Latencies()
                for attempt in 0..<105 {
                    let (_, time) = try await measure { try await connection.query(query, logger: logger).collect() }
                    if attempt >= 5 { latencies.add(time) }
                }
                return latencies.percentile(0.5)
            }
        }
    }

    static let columns = EventRow.columns + ["chain_hash"]

    /// One row of COPY's text format: tab-separated, `\N` for NULL, backslash escapes; the
    /// chain hash last, as bytea's hex input (`\x…`, its backslash escaped).
    static func copyRow(_ values: [SQLValue?], hash: [UInt8], into buffer: inout ByteBuffer) {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            let text: String
            switch value {
            case nil:
                buffer.writeString("\\N")
                continue
            case .integer(let integer): text = String(integer)
            case .text(let string): text = string
            }
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeString("\\t")
                case UInt8(ascii: "\n"): buffer.writeString("\\n")
                case UInt8(ascii: "\r"): buffer.writeString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeString("\t\\\\x" + Hex.encoded(hash))
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    static func withClient<Result: Sendable>(
        _ configuration: PostgresClient.Configuration,
        _ body: @escaping @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        // Its warning that `run()` has not started yet is the race with the first query below,
        // which the lease waits out.
        var quiet = logger
        quiet.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    static func dropDatabase(_ name: String, server: PostgresStore.Endpoint) async throws {
        try await withClient(server.configuration) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")).collect()
        }
    }

    /// `url` naming another database of the same server.
    static func replacingDatabase(of url: String, with database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }
}
