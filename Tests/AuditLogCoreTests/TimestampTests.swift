import Foundation
import Testing

@testable import AuditLogCore

@Suite struct TimestampParsingTests {
    @Test func parsesUTCTimeWithMilliseconds() {
        #expect(Timestamp(rfc3339: "2026-11-27T17:50:26.123Z") == .example)
    }

    @Test(arguments: [
        "2026-11-27T18:50:26.123+01:00",
        "2026-11-27T12:20:26.123-05:30",
        "2026-11-28T03:20:26.123+09:30",
        "2026-11-27T17:50:26.123+00:00",
        "2026-11-27T17:50:26.123-00:00",
    ])
    func convertsOffsetsToUTC(text: String) {
        #expect(Timestamp(rfc3339: text) == .example)
    }

    @Test(arguments: [
        (".1", 100), (".12", 120), (".123", 123), (".1239", 123), (".12399", 123),
        (".123999", 123), (".1239999", 123), (".12399999", 123), (".123999999", 123), ("", 0), (".000000001", 0),
    ])
    func truncatesFractionsToMilliseconds(fraction: String, milliseconds: Int64) {
        let secondStart = Timestamp.example.milliseconds - 123
        #expect(Timestamp(rfc3339: "2026-11-27T17:50:26\(fraction)Z")?.milliseconds == secondStart + milliseconds)
    }

    @Test func acceptsLowercaseSeparatorAndZone() {
        #expect(Timestamp(rfc3339: "2026-11-27t17:50:26.123z") == .example)
    }

    @Test func acceptsLeapDaysOfLeapYearsOnly() {
        #expect(Timestamp(rfc3339: "2028-02-29T00:00:00Z")?.milliseconds == 1_835_395_200_000)
        #expect(Timestamp(rfc3339: "2000-02-29T12:00:00Z")?.milliseconds == 951_825_600_000)
        #expect(Timestamp(rfc3339: "2027-02-29T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "2100-02-29T00:00:00Z") == nil)
    }

    @Test func readsLeapSecondAsLastMillisecondOfItsMinute() {
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:60Z")?.milliseconds == 1_483_228_799_999)
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:60.5Z")?.milliseconds == 1_483_228_799_999)
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:61Z") == nil)
    }

    @Test(arguments: [
        "", "garbage", "2026-11-27", "2026-11-27T17:50:26", "2026-11-27T17:50:26.123",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-00T00:00:00Z",
        "2026-11-27T24:00:00Z", "2026-11-27T17:60:00Z", "2026-11-27T17:50:26.Z", "2026-11-27T17:50:26,123Z",
        "2026-11-27T17:50:26.123+0100", "2026-11-27T17:50:26.123+24:00", "2026-11-27T17:50:26.123+01:60",
        "2026-11-27T17:50:26.123+01", "2026-11-27T17:50:26.123Zjunk", "2026-11-27T17:50:26.123Z ",
        " 2026-11-27T17:50:26.123Z", "26-11-27T17:50:26Z", "2026-1-27T17:50:26Z", "2026-11-27X17:50:26Z",
        "+2026-11-27T17:50:26Z", "２０２６-11-27T17:50:26Z",
    ])
    func rejectsWhatIsNotRFC3339(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test(arguments: [
        "1969-12-31T23:59:59.999Z", "1970-01-01T00:30:00+01:00", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00", "10000-01-01T00:00:00Z",
    ])
    func rejectsTimesOutside1970To9999(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func acceptsBothEndsOfTheRange() {
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00Z") == .earliest)
        #expect(Timestamp(rfc3339: "1970-01-01T01:00:00+01:00") == .earliest)
        #expect(Timestamp(rfc3339: "9999-12-31T23:59:59.999Z") == .latest)
        #expect(Timestamp.latest.milliseconds == 253_402_300_799_999)
    }
}

@Suite struct TimestampFormattingTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (5, "1970-01-01T00:00:00.005Z"),
        (86_399_999, "1970-01-01T23:59:59.999Z"),
        (951_825_600_000, "2000-02-29T12:00:00.000Z"),
        (1_795_801_826_123, "2026-11-27T17:50:26.123Z"),
        (1_835_395_200_000, "2028-02-29T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func formatsAsUTCWithMilliseconds(milliseconds: Int64, text: String) {
        #expect(Timestamp(milliseconds: milliseconds).rfc3339 == text)
        #expect(Timestamp(milliseconds: milliseconds).description == text)
    }

    @Test func formatsParsedOffsetTimesInUTC() {
        #expect(Timestamp(rfc3339: "2026-11-28T01:20:26.1+07:30")?.rfc3339 == "2026-11-27T17:50:26.100Z")
    }

    @Test func utcDayIsTheDateOfTheUTCTime() {
        #expect(Timestamp(rfc3339: "2026-11-28T00:30:00+01:00")?.utcDay == "2026-11-27")
    }

    @Test func roundTripsEdgeValues() {
        let edges: [Int64] = [
            0, 1, 999, 1_000, 59_999, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999,
            1_483_228_799_999, 4_107_542_400_000, 253_402_300_799_998, 253_402_300_799_999,
        ]
        for milliseconds in edges {
            let time = Timestamp(milliseconds: milliseconds)
            #expect(Timestamp(rfc3339: time.rfc3339) == time, "\(milliseconds)")
        }
    }

    @Test func roundTripsAndAgreesWithFoundationOverManyValues() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5_000 {
            // A fixed linear congruential sequence, so that a failure repeats.
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let milliseconds = Int64(state >> 1) % (Timestamp.latest.milliseconds + 1)
            let text = Timestamp(milliseconds: milliseconds).rfc3339
            #expect(Timestamp(rfc3339: text)?.milliseconds == milliseconds, "\(text)")

            let date = Date(timeIntervalSince1970: TimeInterval(milliseconds / 1_000))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected =
                "\(pad(parts.year!, 4))-\(pad(parts.month!))-\(pad(parts.day!))T\(pad(parts.hour!)):"
                + "\(pad(parts.minute!)):\(pad(parts.second!)).\(pad(Int(milliseconds % 1_000), 3))Z"
            #expect(text == expected)
        }
    }
}

private func pad(_ value: Int, _ width: Int = 2) -> String {
    String(repeating: "0", count: max(0, width - String(value).count)) + String(value)
}

@Suite struct TimestampArithmeticTests {
    @Test func addsDaysHoursAndMilliseconds() {
        #expect(Timestamp.testNow.adding(days: -7).rfc3339 == "2026-11-20T18:00:00.000Z")
        #expect(Timestamp.testNow.adding(hours: 7).rfc3339 == "2026-11-28T01:00:00.000Z")
        #expect(Timestamp.testNow.adding(milliseconds: -1).rfc3339 == "2026-11-27T17:59:59.999Z")
    }

    @Test func dateConversionTruncatesToTheMillisecond() {
        #expect(Timestamp(Date(timeIntervalSince1970: 1.9996)).milliseconds == 1_999)
        #expect(Timestamp.example.date == Date(timeIntervalSince1970: 1_795_801_826.123))
    }

    @Test func comparesByTime() {
        #expect(Timestamp.example < Timestamp.testNow)
        #expect(!(Timestamp.testNow < Timestamp.example))
    }
}
