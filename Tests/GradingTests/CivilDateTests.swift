// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Testing

struct CivilDateTests {
    @Test(arguments: ["2026-11-23", "2028-02-29", "2000-02-29", "0001-01-01", "9999-12-31"])
    func parsesAndFormatsRoundTrip(_ text: String) throws {
        let date = try #require(CivilDate(text))
        #expect(date.description == text)
    }

    @Test(arguments: ["2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "26-11-23", "2026/11/23", "2026-11-2x", "", " 2026-11-23"])
    func rejectsWhatIsNotADay(_ text: String) {
        #expect(CivilDate(text) == nil)
    }

    struct MonthsCase: Sendable {
        let from: String
        let months: Int
        let expected: String
    }

    @Test(arguments: [
        MonthsCase(from: "2026-11-23", months: 12, expected: "2027-11-23"),
        MonthsCase(from: "2028-02-29", months: 12, expected: "2029-02-28"),
        MonthsCase(from: "2028-02-29", months: 48, expected: "2032-02-29"),
        MonthsCase(from: "2026-03-31", months: 1, expected: "2026-04-30"),
        MonthsCase(from: "2026-01-31", months: 1, expected: "2026-02-28"),
        MonthsCase(from: "2026-12-15", months: 1, expected: "2027-01-15"),
        MonthsCase(from: "2026-01-15", months: -1, expected: "2025-12-15"),
        MonthsCase(from: "9999-12-31", months: 12, expected: "10000-12-31"),  // a damaged record, not a crash
    ])
    func addsCalendarMonths(_ c: MonthsCase) throws {
        #expect(try #require(CivilDate(c.from)).adding(months: c.months).description == c.expected)
    }

    struct YearsCase: Sendable {
        let birth: String
        let day: String
        let years: Int
    }

    @Test(arguments: [
        YearsCase(birth: "2005-11-23", day: "2026-11-23", years: 21),
        YearsCase(birth: "2005-11-24", day: "2026-11-23", years: 20),
        YearsCase(birth: "2004-02-29", day: "2025-02-28", years: 21),
        YearsCase(birth: "2004-02-29", day: "2025-02-27", years: 20),
        YearsCase(birth: "2004-02-29", day: "2024-02-29", years: 20),
        YearsCase(birth: "2004-02-29", day: "2024-02-28", years: 19),
        YearsCase(birth: "1990-01-01", day: "1989-12-31", years: 0),
        YearsCase(birth: "1990-01-01", day: "1988-12-31", years: -1),
    ])
    func countsWholeYears(_ c: YearsCase) throws {
        let birth = try #require(CivilDate(c.birth))
        #expect(birth.wholeYears(until: try #require(CivilDate(c.day))) == c.years)
    }

    @Test(arguments: ["1970-01-01", "2000-02-29", "1969-12-31", "2026-11-23", "0001-01-01"])
    func daysSinceEpochRoundTrips(_ text: String) throws {
        let date = try #require(CivilDate(text))
        #expect(CivilDate(daysSinceEpoch: date.daysSinceEpoch) == date)
        #expect(date.adding(days: 1) > date)
    }

    @Test func epochAnchors() throws {
        #expect(try #require(CivilDate("1970-01-01")).daysSinceEpoch == 0)
        #expect(try #require(CivilDate("2000-03-01")).daysSinceEpoch == 11_017)
        #expect(try #require(CivilDate("2028-02-28")).adding(days: 1).description == "2028-02-29")
    }

    @Test func readsTheDayInATimeZone() throws {
        let instant = Date(timeIntervalSince1970: 1_795_470_000)  // 2026-11-23 21:40 UTC
        #expect(CivilDate(instant, in: try #require(TimeZone(identifier: "UTC"))).description == "2026-11-23")
        #expect(CivilDate(instant, in: try #require(TimeZone(secondsFromGMT: 6 * 3600))).description == "2026-11-24")
    }

    @Test func encodesAsText() throws {
        let data = try JSONEncoder().encode([try #require(CivilDate("2027-02-28"))])
        #expect(String(decoding: data, as: UTF8.self) == #"["2027-02-28"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CivilDate].self, from: Data(#"["2027-02-29"]"#.utf8)) }
    }
}
