import AuditLogCore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// Months before this one that get a partition ahead of their events (backfills).
    static let partitionedMonthsBack = 1
    /// Months after this one.
    static let partitionedMonthsAhead = 3

    /// Gives every month from last month to three ahead its partition, and every month that
    /// has events in `events_default` one too, moving them there. Under the migration lock, so
    /// replicas doing it at once do not collide.
    func ensurePartitions(now: Date = Date()) async throws {
        try await transaction(deadline: Self.maintenanceTimeout) { session in
            try await session.rows("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
            var months = Set(Self.months(around: now))
            let stray = try await session.rows(
                """
                SELECT DISTINCT (occurred_at / 86400000) FROM events_default
                """)
            for row in stray {
                let day = try row.decode(Int64.self)
                months.insert(Month(containing: day * 86_400_000))
            }
            var existing: Set<String> = []
            let tables = try await session.rows(
                """
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'events'::regclass
                """)
            for row in tables { existing.insert(try row.decode(String.self)) }
            for month in months.sorted() where !existing.contains(month.tableName) {
                try await self.createPartition(month, session)
            }
        }
    }

    /// Creates a month's partition, moving in the events that landed in the default one.
    private func createPartition(_ month: Month, _ session: PostgresSession) async throws {
        let table = month.tableName
        for statement in [
            "CREATE TABLE \(table) (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
            "INSERT INTO \(table) SELECT * FROM events_default WHERE occurred_at >= \(month.start) AND occurred_at < \(month.end)",
            "DELETE FROM events_default WHERE occurred_at >= \(month.start) AND occurred_at < \(month.end)",
            "ALTER TABLE events ATTACH PARTITION \(table) FOR VALUES FROM (\(month.start)) TO (\(month.end))",
        ] {
            try await session.rows(PostgresQuery(unsafeSQL: statement))
        }
        logger.info("created a partition", metadata: ["audit.partition": "\(table)"])
    }

    static func months(around now: Date) -> [Month] {
        let current = Month(containing: Int64(now.timeIntervalSince1970 * 1000))
        return (-partitionedMonthsBack...partitionedMonthsAhead).map { current.adding($0) }
    }

    /// A calendar month in UTC, and its range in milliseconds.
    struct Month: Hashable, Comparable {
        var year: Int
        var month: Int

        init(year: Int, month: Int) {
            self.year = year
            self.month = month
        }

        init(containing milliseconds: Int64) {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let parts = Self.calendar.dateComponents([.year, .month], from: date)
            self.init(year: parts.year ?? 1970, month: parts.month ?? 1)
        }

        func adding(_ months: Int) -> Month {
            let index = year * 12 + (month - 1) + months
            return Month(year: index / 12, month: index % 12 + 1)
        }

        var start: Int64 {
            let date = Self.calendar.date(from: DateComponents(year: year, month: month, day: 1)) ?? Date(timeIntervalSince1970: 0)
            return Int64(date.timeIntervalSince1970) * 1000
        }

        var end: Int64 { adding(1).start }

        var tableName: String { String(format: "events_%04d_%02d", year, month) }

        /// The month of a partition named as `tableName` names it; nil for any other table.
        init?(tableName: String) {
            let parts = tableName.split(separator: "_")
            guard parts.count == 3, parts[0] == "events", let year = Int(parts[1]), let month = Int(parts[2]), (1...12).contains(month)
            else { return nil }
            self.init(year: year, month: month)
        }

        static func < (lhs: Month, rhs: Month) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

        static let calendar: Calendar = {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar
        }()
    }
}
