public import Foundation

/// A point in time as whole milliseconds since the Unix epoch, UTC.
///
/// The contract exchanges RFC 3339 times with milliseconds, and both stores keep integers, so
/// this is the one time type the domain compares and stores. Parsing and formatting are done
/// here by hand: they run for every event ingested and every row exported, and they must accept
/// exactly RFC 3339 (offsets included) and always print `YYYY-MM-DDTHH:MM:SS.mmmZ`.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(_ date: Date) {
        self.milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The current time.
    public static var now: Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public func adding(milliseconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta) }
    public func adding(hours: Int64) -> Timestamp { adding(milliseconds: hours * 3_600_000) }
    public func adding(days: Int64) -> Timestamp { adding(milliseconds: days * 86_400_000) }

    /// The earliest and latest times the domain accepts (years 1970 to 9999).
    public static let earliest = Timestamp(milliseconds: 0)
    public static let latest = Timestamp(milliseconds: 253_402_300_799_999)

    public var description: String { rfc3339 }
}

// MARK: - RFC 3339

extension Timestamp {
    /// Parses an RFC 3339 date-time (`2026-11-27T17:50:26.123Z`, `2026-11-27T18:50:26+01:00`).
    ///
    /// Fractions beyond milliseconds are truncated; a leap second (`:60`) is read as the last
    /// millisecond of that minute. Returns nil for anything else, including dates outside
    /// 1970–9999.
    public init?(rfc3339 text: some StringProtocol) {
        guard let value = Self.milliseconds(rfc3339: text), value >= Self.earliest.milliseconds,
            value <= Self.latest.milliseconds
        else { return nil }
        self.init(milliseconds: value)
    }

    /// Parses a time only as `rfc3339` writes it: a signed statement is checked byte for byte,
    /// so a time written any other way cannot be the one that was signed.
    init?(exactly text: String) {
        guard let time = Timestamp(rfc3339: text), time.rfc3339 == text else { return nil }
        self = time
    }

    /// Parses any RFC 3339 date-time, years 0000–9999, and brings it into 1970–9999: for the
    /// bounds of a range, where "from year 0684" means from the beginning.
    public init?(rfc3339Clamped text: some StringProtocol) {
        guard let value = Self.milliseconds(rfc3339: text) else { return nil }
        self.init(milliseconds: min(max(value, Self.earliest.milliseconds), Self.latest.milliseconds))
    }

    private static func milliseconds(rfc3339 text: some StringProtocol) -> Int64? {
        var bytes = Array(text.utf8)[...]
        func number(_ count: Int) -> Int? {
            guard bytes.count >= count else { return nil }
            var value = 0
            for _ in 0..<count {
                let byte = bytes.removeFirst()
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func expect(_ characters: UInt8...) -> Bool {
            guard let byte = bytes.first, characters.contains(byte) else { return false }
            bytes.removeFirst()
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2),
            expect(0x54, 0x74), let hour = number(2), expect(0x3A), let minute = number(2), expect(0x3A),
            var second = number(2)
        else { return nil }
        var millisecond = 0
        if expect(0x2E) {
            var digits = 0
            while let byte = bytes.first, byte >= 0x30, byte <= 0x39 {
                bytes.removeFirst()
                if digits < 3 { millisecond = millisecond * 10 + Int(byte - 0x30) }
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millisecond *= 10 }
        }
        var offsetMinutes = 0
        if expect(0x5A, 0x7A) {
            offsetMinutes = 0
        } else if let sign = bytes.first, sign == 0x2B || sign == 0x2D {
            bytes.removeFirst()
            guard let offsetHour = number(2), expect(0x3A), let offsetMinute = number(2),
                offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetMinutes = (offsetHour * 60 + offsetMinute) * (sign == 0x2D ? -1 : 1)
        } else {
            return nil
        }
        guard bytes.isEmpty, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        if second == 60 {
            second = 59
            millisecond = 999
        }
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millisecond)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, always UTC and always with milliseconds.
    public var rfc3339: String {
        let (days, millisOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = Self.civil(fromDays: Int(days))
        let totalSeconds = Int(millisOfDay / 1000)
        // Written into one stack buffer: this runs twice for every event of every page.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { out in
            func put(_ value: Int, width: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    out[index] = UInt8(0x30 + rest % 10)
                    rest /= 10
                }
            }
            put(year, width: 4, at: 0)
            out[4] = 0x2D
            put(month, width: 2, at: 5)
            out[7] = 0x2D
            put(day, width: 2, at: 8)
            out[10] = 0x54
            put(totalSeconds / 3600, width: 2, at: 11)
            out[13] = 0x3A
            put(totalSeconds / 60 % 60, width: 2, at: 14)
            out[16] = 0x3A
            put(totalSeconds % 60, width: 2, at: 17)
            out[19] = 0x2E
            put(Int(millisOfDay % 1000), width: 3, at: 20)
            out[23] = 0x5A
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// `YYYY-MM-DD` of the UTC day, for file names.
    public var utcDay: String { String(rfc3339.prefix(10)) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian calendar.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}

extension Duration {
    /// The whole milliseconds of a duration.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
