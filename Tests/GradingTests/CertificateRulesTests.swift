// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Testing

struct CertificateRulesTests {
    func day(_ text: String) throws -> CivilDate { try #require(CivilDate(text)) }

    struct ExpiryCase: Sendable {
        let issued: String
        let expires: String
    }

    @Test(arguments: [
        ExpiryCase(issued: "2026-11-23", expires: "2027-11-23"),
        ExpiryCase(issued: "2028-02-29", expires: "2029-02-28"),
        ExpiryCase(issued: "2027-02-28", expires: "2028-02-28"),
        ExpiryCase(issued: "2026-12-31", expires: "2027-12-31"),
        ExpiryCase(issued: "2027-03-01", expires: "2028-03-01"),
    ])
    func expiresTwelveCalendarMonthsLater(_ c: ExpiryCase) throws {
        let issued = try day(c.issued)
        let expires = CertificateRules.expiry(issuedOn: issued)
        #expect(expires.description == c.expires)
        #expect(CertificateRules.isValid(issuedOn: issued, on: issued))
        #expect(CertificateRules.isValid(issuedOn: issued, on: expires))
        #expect(!CertificateRules.isValid(issuedOn: issued, on: expires.adding(days: 1)))
        #expect(!CertificateRules.isValid(issuedOn: issued, on: issued.adding(days: -1)))
    }

    @Test func theDeviceKeyIsTheIMEIElseTheSerial() {
        let second = "490154203237518"
        #expect(CertificateRules.deviceKey(imeis: [Fixtures.imei, second], serial: "X")?.rawValue == "imei:356938035643809")
        #expect(CertificateRules.deviceKey(imeis: [second, Fixtures.imei], serial: "X")?.rawValue == "imei:356938035643809", "slot order does not matter")
        #expect(CertificateRules.deviceKey(imeis: ["123"], serial: "gx1 234-ab")?.rawValue == "serial:GX1234AB")
        #expect(CertificateRules.deviceKey(imeis: [], serial: "  ") == nil)
        #expect(CertificateRules.allDeviceKeys(imeis: [second, Fixtures.imei], serial: "s1").map(\.rawValue)
            == ["imei:356938035643809", "imei:490154203237518", "serial:S1"])
        #expect(DeviceKey(rawValue: "imei:356938035643809") != nil)
        #expect(DeviceKey(rawValue: "imei:356938035643808") == nil)
        #expect(DeviceKey(rawValue: "serial:") == nil)
    }

    @Test(arguments: ["356938035643809", "490154203237518", "353918052390875"])
    func validIMEIs(_ imei: String) { #expect(IMEI.isValid(imei)) }

    @Test(arguments: ["356938035643808", "35693803564380", "3569380356438090", "35693803564380A", ""])
    func invalidIMEIs(_ imei: String) { #expect(!IMEI.isValid(imei)) }

    // MARK: - Terms

    struct TermsCase: Sendable, CustomTestStringConvertible {
        let what: String
        var amount = 130_000
        var name = "Aigerim Sadykova"
        var iin = "900101300007"
        var birth = "1990-01-01"
        var store = "ALA-SAMAL2-100"
        var model = "iPhone 11"
        var imeis = [Fixtures.imei]
        var serial: String? = nil
        var certified: Set<String> = []
        let codes: [String]
        var testDescription: String { what }
    }

    @Test(arguments: [
        TermsCase(what: "all good", codes: []),
        TermsCase(what: "bad IIN", iin: "900101300008", codes: ["bad_iin"]),
        TermsCase(what: "age 20", birth: "2005-11-24", codes: ["holder_age"]),
        TermsCase(what: "age 21 today", birth: "2005-11-23", codes: []),
        TermsCase(what: "age 68, 69 tomorrow", birth: "1957-11-24", codes: []),
        TermsCase(what: "age 69 today", birth: "1957-11-23", codes: ["holder_age"]),
        TermsCase(what: "no name", name: "  ", codes: ["holder_name"]),
        TermsCase(what: "zero amount", amount: 0, codes: ["amount"]),
        TermsCase(what: "iPhone at Dostyk Plaza", store: "ALA-DOSTYK-PLAZA", codes: ["store_takes_no_apple"]),
        TermsCase(what: "Samsung at Dostyk Plaza", store: "ALA-DOSTYK-PLAZA", model: "SM-G973F", codes: []),
        TermsCase(what: "already certified by IMEI", certified: ["imei:356938035643809"], codes: ["already_certified"]),
        TermsCase(what: "already certified by serial", serial: "F2LX1", certified: ["serial:F2LX1"], codes: ["already_certified"]),
        TermsCase(what: "AirPods by serial", model: "AirPods Pro", imeis: [], serial: "GX1234", codes: []),
        TermsCase(what: "nothing identifies it", model: "AirPods Pro", imeis: [], serial: nil, codes: ["device_key"]),
        TermsCase(what: "IIN digits disagree: warning only", iin: "851231450018", codes: []),
    ])
    func termsCheckEverything(_ c: TermsCase) throws {
        let catalog = try Fixtures.defaultCatalog.get()
        let store = try #require(try Fixtures.defaultStores.get().store(id: c.store))
        let model = try #require(catalog.lookup(c.model).model)
        let result = CertificateRules.terms(
            amount: Tenge(c.amount), issuedOn: try day("2026-11-23"), holderName: c.name, iin: c.iin,
            birthDate: try day(c.birth), store: store, model: model, imeis: c.imeis, serial: c.serial,
            alreadyCertified: { c.certified.contains($0.rawValue) })
        switch result {
        case .success(let terms):
            #expect(c.codes.isEmpty)
            #expect(terms.expiresOn.description == "2027-11-23")
            #expect(terms.iin.digits == c.iin)
            #expect(terms.warnings.isEmpty == (terms.iin.encodedBirthDate?.description == c.birth))
        case .failure(let refusal):
            #expect(refusal.refusals.map(\.code) == c.codes)
            #expect(refusal.refusals.allSatisfy { $0.reason.hasSuffix(".") })
        }
    }
}

struct RedemptionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let what: String
        let certificate: Int
        var price = 600_000
        var minimum = 60_000
        var maximum = 180_000
        var months = 12
        let prepayment: Int
        let customerPrepayment: Int
        let monthly: Int
        let toFirst: Int
        let toBalance: Int
        var testDescription: String { what }
    }

    @Test(arguments: [
        // Below the minimum prepayment: the customer pays the minimum, the certificate the first monthly payment.
        Case(what: "below the minimum", certificate: 40_000, prepayment: 60_000, customerPrepayment: 60_000, monthly: 45_000, toFirst: 40_000, toBalance: 0),
        Case(what: "below the minimum, more than a monthly payment", certificate: 59_999, prepayment: 60_000, customerPrepayment: 60_000, monthly: 45_000, toFirst: 45_000, toBalance: 14_999),
        // At least the minimum: it all goes to the prepayment up to the maximum.
        Case(what: "exactly the minimum", certificate: 60_000, prepayment: 60_000, customerPrepayment: 0, monthly: 45_000, toFirst: 0, toBalance: 0),
        Case(what: "between minimum and maximum", certificate: 100_000, prepayment: 100_000, customerPrepayment: 0, monthly: 41_667, toFirst: 0, toBalance: 0),
        Case(what: "exactly the maximum", certificate: 180_000, prepayment: 180_000, customerPrepayment: 0, monthly: 35_000, toFirst: 0, toBalance: 0),
        Case(what: "above the maximum, part of the first payment", certificate: 200_000, prepayment: 180_000, customerPrepayment: 0, monthly: 35_000, toFirst: 20_000, toBalance: 0),
        Case(what: "prepayment plus the first payment exactly", certificate: 215_000, prepayment: 180_000, customerPrepayment: 0, monthly: 35_000, toFirst: 35_000, toBalance: 0),
        Case(what: "larger than prepayment plus first payment", certificate: 250_000, prepayment: 180_000, customerPrepayment: 0, monthly: 35_000, toFirst: 35_000, toBalance: 35_000),
        // Monthly payment rounds up to whole tenge: 500 001 / 12 = 41 666.75.
        Case(what: "monthly rounds up", certificate: 99_999, prepayment: 99_999, customerPrepayment: 0, monthly: 41_667, toFirst: 0, toBalance: 0),
        Case(what: "one month", certificate: 70_000, price: 100_000, minimum: 0, maximum: 50_000, months: 1, prepayment: 50_000, customerPrepayment: 0, monthly: 50_000, toFirst: 20_000, toBalance: 0),
        // A maximum above the price is capped at the price: nothing is financed, the rest goes to the balance.
        Case(what: "certificate above the price", certificate: 120_000, price: 100_000, minimum: 10_000, maximum: 150_000, months: 6, prepayment: 100_000, customerPrepayment: 0, monthly: 0, toFirst: 0, toBalance: 20_000),
    ])
    func spendsTheCertificateAsTheOperatorsFAQReads(_ c: Case) throws {
        let split = try Redemption.split(
            certificate: Tenge(c.certificate), price: Tenge(c.price), minimumPrepayment: Tenge(c.minimum),
            maximumPrepayment: Tenge(c.maximum), months: c.months
        ).get()
        #expect(split.prepayment == Tenge(c.prepayment))
        #expect(split.customerPrepayment == Tenge(c.customerPrepayment))
        #expect(split.financed == Tenge(c.price - c.prepayment))
        #expect(split.monthlyPayment == Tenge(c.monthly))
        #expect(split.certificateToFirstPayment == Tenge(c.toFirst))
        #expect(split.certificateToBalance == Tenge(c.toBalance))
        #expect(split.customerFirstPayment == Tenge(c.monthly - c.toFirst))
        #expect(split.belowMinimumPrepayment == (c.certificate < c.minimum))
        // The whole certificate is spent, never more, never cash.
        #expect(split.certificateToPrepayment + split.certificateToFirstPayment + split.certificateToBalance == Tenge(c.certificate))
        #expect(split.monthlyPayment.amount * c.months >= split.financed.amount)
        #expect(split.monthlyPayment.amount * c.months < split.financed.amount + c.months)
    }

    struct BadCase: Sendable {
        let certificate: Int
        let price: Int
        let minimum: Int
        let maximum: Int
        let months: Int
        let error: Redemption.SplitError
    }

    @Test(arguments: [
        BadCase(certificate: 0, price: 600_000, minimum: 60_000, maximum: 180_000, months: 12, error: .nonPositiveCertificate),
        BadCase(certificate: 1, price: 0, minimum: 0, maximum: 0, months: 12, error: .nonPositivePrice),
        BadCase(certificate: 1, price: 600_000, minimum: -1, maximum: 180_000, months: 12, error: .negativePrepayment),
        BadCase(certificate: 1, price: 600_000, minimum: 200_000, maximum: 180_000, months: 12, error: .minimumAboveMaximum),
        BadCase(certificate: 1, price: 100_000, minimum: 150_000, maximum: 180_000, months: 12, error: .minimumAbovePrice),
        BadCase(certificate: 1, price: 600_000, minimum: 60_000, maximum: 180_000, months: 0, error: .months(0)),
    ])
    func refusesImpossibleContracts(_ c: BadCase) {
        #expect(throws: c.error) {
            try Redemption.split(
                certificate: Tenge(c.certificate), price: Tenge(c.price), minimumPrepayment: Tenge(c.minimum),
                maximumPrepayment: Tenge(c.maximum), months: c.months
            ).get()
        }
        #expect(c.error.description.hasSuffix("."))
    }
}

struct RuleSetTests {
    @Test func ruleSetsAreFoundByIDWithTheirSettings() throws {
        #expect(RuleSet.named("2026-11-a") == RuleSet.current)
        let se3 = try #require(RuleSet.named("2026-11-a+accept_iphone_se_3rd_generation"))
        #expect(se3.settings == [RuleSet.acceptSE3rdGeneration])
        #expect(RuleSet.current.enabling(RuleSet.acceptSE3rdGeneration).id == "2026-11-a+accept_iphone_se_3rd_generation")
        #expect(RuleSet.named("1999-01-z") == nil)
        #expect(Set(RuleSet.all.map(\.id)).count == RuleSet.all.count, "ids are unique")
    }

    /// Released rule sets are append-only: 2026-11-a's numbers are pinned here, so an edit shows up as a failing
    /// test and becomes a new rule set instead.
    @Test func ruleSet2026_11_aIsPinned() {
        let rules = RuleSet.v2026_11_a
        #expect(rules.id == "2026-11-a")
        let table = FunctionalGrade.allCases.map { f in CosmeticGrade.allCases.map { rules.factor(functional: f, cosmetic: $0) } }
        #expect(table == [[100, 90, 75, 55], [85, 77, 64, 47], [60, 54, 45, 33]])
        #expect(rules.batteryTiers == [.init(belowPercent: 80, deductPercent: 10), .init(belowPercent: 70, deductPercent: 20)])
        #expect(rules.boxBonusPercent == 3)
        #expect(rules.chargerBonusPercent == 2)
        #expect(rules.roundingStep == 500)
        #expect(rules.acceptedBrands == ["Apple", "Samsung", "Xiaomi", "Oppo", "Realme", "Vivo", "Huawei", "Honor"])
        #expect(rules.minimumYear == [.iPhone: 2014, .macBook: 2013])
        #expect(rules.settings.isEmpty)
    }

    @Test func everyGradeHasAFactorThatFallsWithTheGrade() {
        for rules in RuleSet.all {
            for functional in FunctionalGrade.allCases {
                let row = CosmeticGrade.allCases.map { rules.factor(functional: functional, cosmetic: $0) }
                #expect(row == row.sorted(by: >), "\(rules.id) \(functional)")
                #expect(row.allSatisfy { $0 > 0 && $0 <= 100 })
            }
        }
    }

    @Test func encodesItsTablesAndDecodesByID() throws {
        let data = try JSONEncoder().encode(RuleSet.current)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"factor_percent\""))
        #expect(try JSONDecoder().decode(RuleSet.self, from: data) == RuleSet.current)
    }
}
