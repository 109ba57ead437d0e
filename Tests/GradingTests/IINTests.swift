// SPDX-License-Identifier: Apache-2.0
import Grading
import Testing

struct IINTests {
    struct ValidCase: Sendable {
        let iin: String
        let birth: String?
        let sex: IIN.Sex
        let masked: String
    }

    @Test(arguments: [
        ValidCase(iin: "900101300007", birth: "1990-01-01", sex: .male, masked: "90010130****"),
        ValidCase(iin: "851231450018", birth: "1985-12-31", sex: .female, masked: "85123145****"),
        // The first weighting gives 10, so the control digit comes from the second (domain.md §5).
        ValidCase(iin: "061211600012", birth: "2006-12-11", sex: .female, masked: "06121160****"),
        ValidCase(iin: "000229500127", birth: "2000-02-29", sex: .male, masked: "00022950****"),
        // Since 2013 the first six digits need not be a date: still a valid IIN, with no encoded birth date.
        ValidCase(iin: "991340300006", birth: nil, sex: .male, masked: "99134030****"),
        ValidCase(iin: " 900101300007\n", birth: "1990-01-01", sex: .male, masked: "90010130****"),
    ])
    func acceptsValidIINs(_ c: ValidCase) throws {
        let iin = try IIN.validate(c.iin).get()
        #expect(iin.masked == c.masked)
        #expect(iin.encodedSex == c.sex)
        #expect(iin.encodedBirthDate?.description == c.birth)
        #expect("\(iin)" == c.masked, "an IIN prints masked, so logs never carry it whole")
    }

    struct InvalidCase: Sendable {
        let iin: String
        let error: IINError
    }

    @Test(arguments: [
        InvalidCase(iin: "", error: .empty),
        InvalidCase(iin: "   ", error: .empty),
        InvalidCase(iin: "90010130000", error: .wrongLength(11)),
        InvalidCase(iin: "9001013000071", error: .wrongLength(13)),
        InvalidCase(iin: "90010130000O", error: .notDigits),
        InvalidCase(iin: "900101 300007", error: .notDigits),
        InvalidCase(iin: "900101000007", error: .badCenturyDigit(0)),
        InvalidCase(iin: "900101700007", error: .badCenturyDigit(7)),
        InvalidCase(iin: "851231450013", error: .checksumMismatch),
        InvalidCase(iin: "900101300008", error: .checksumMismatch),
        // Both weightings give 10: no IIN is issued with these 11 digits.
        InvalidCase(iin: "900101300800", error: .neverIssued),
    ])
    func refusesInvalidIINs(_ c: InvalidCase) {
        #expect(throws: c.error) { try IIN.validate(c.iin).get() }
    }

    @Test(arguments: [IINError.empty, .notDigits, .wrongLength(11), .badCenturyDigit(0), .checksumMismatch, .neverIssued])
    func everyErrorIsOneSentenceSayingWhatToDo(_ error: IINError) {
        let text = error.description
        #expect(text.hasSuffix("."))
        #expect(text.contains("identity document"))
        #expect(!text.dropLast().contains(". "), "one sentence")
    }

    @Test func firstWeightingGivingTenUsesTheSecond() throws {
        // 0·1+6·2+1·3+2·4+1·5+1·6+6·7+0+0+0+1·11 = 87 ≡ 10 (mod 11); second weighting 112 ≡ 2.
        #expect(throws: Never.self) { try IIN.validate("061211600012").get() }
        #expect(throws: IINError.checksumMismatch) { try IIN.validate("061211600010").get() }
    }
}

struct HolderAgeTests {
    struct AgeCase: Sendable {
        let birth: String
        let day: String
        let eligible: Bool
        let age: Int
    }

    @Test(arguments: [
        AgeCase(birth: "2005-11-24", day: "2026-11-23", eligible: false, age: 20),  // 21 tomorrow
        AgeCase(birth: "2005-11-23", day: "2026-11-23", eligible: true, age: 21),  // 21st birthday today
        AgeCase(birth: "1958-11-24", day: "2026-11-23", eligible: true, age: 67),
        AgeCase(birth: "1957-11-24", day: "2026-11-23", eligible: true, age: 68),  // 69 tomorrow
        AgeCase(birth: "1957-11-23", day: "2026-11-23", eligible: false, age: 69),  // 69th birthday today
        // 29 February: the birthday is reached on 28 February in common years.
        AgeCase(birth: "2004-02-29", day: "2025-02-27", eligible: false, age: 20),
        AgeCase(birth: "2004-02-29", day: "2025-02-28", eligible: true, age: 21),
        AgeCase(birth: "1956-02-29", day: "2025-02-27", eligible: true, age: 68),
        AgeCase(birth: "1956-02-29", day: "2025-02-28", eligible: false, age: 69),
        AgeCase(birth: "1956-02-29", day: "2024-02-28", eligible: true, age: 67),
        AgeCase(birth: "1956-02-29", day: "2024-02-29", eligible: true, age: 68),
        AgeCase(birth: "2027-01-01", day: "2026-11-23", eligible: false, age: 0),  // a mistyped year
        AgeCase(birth: "2030-01-01", day: "2026-11-23", eligible: false, age: -3),
    ])
    func checksTwentyOneToSixtyEightInclusive(_ c: AgeCase) throws {
        let verdict = HolderAge.check(birthDate: try #require(CivilDate(c.birth)), on: try #require(CivilDate(c.day)))
        #expect(verdict.isEligible == c.eligible)
        #expect(verdict.age == c.age)
        #expect((verdict.refusal == nil) == c.eligible)
        #expect(verdict.refusal?.contains("-") != true, "never a negative age read aloud")
    }

    @Test func aBirthDateThatDisagreesWithTheIINIsAWarningOnly() throws {
        let iin = try IIN.validate("900101300007").get()
        #expect(HolderAge.mismatchWarning(iin: iin, birthDate: try #require(CivilDate("1990-01-01"))) == nil)
        let warning = HolderAge.mismatchWarning(iin: iin, birthDate: try #require(CivilDate("1990-01-02")))
        #expect(warning?.contains("1990-01-01") == true)
        let check = CertificateRules.checkHolder(iin: "900101300007", birthDate: try #require(CivilDate("1990-01-02")), on: try #require(CivilDate("2026-11-23")))
        #expect(check.isEligible)
        #expect(check.warnings.count == 1)
    }
}
