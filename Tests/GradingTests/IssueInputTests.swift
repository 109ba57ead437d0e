// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Testing

/// What a consultant types for a certificate: IMEIs and serials normalised before they are compared, malformed
/// IMEIs and control characters refused with a sentence, the grade on the scale, the amount at most the offer,
/// the issue date today or shortly back with a reason, bounded money.
struct IssueInputTests {
    // MARK: - IMEI

    /// What the consultant typed, and what it must give: the normalised IMEI, or a fragment of the refusal.
    struct Typed: Sendable, CustomTestStringConvertible {
        let typed: String
        let expected: String
        var testDescription: String { typed.debugDescription }
    }

    @Test(arguments: [
        Typed(typed: "352094117788999", expected: "352094117788999"),
        Typed(typed: " 35-209411-778899-9 ", expected: "352094117788999"),
        Typed(typed: "35 209411 778899 9", expected: "352094117788999"),
        Typed(typed: "３５２０９４１１７７８８９９９", expected: "352094117788999"),  // full-width digits
        Typed(typed: "352094\u{200B}117788999\u{FEFF}", expected: "352094117788999"),  // zero-width space, BOM
        Typed(typed: "35\u{2013}209411\u{2011}778899\u{00A0}9", expected: "352094117788999"),  // en dash, nb hyphen
    ])
    func imeisAreNormalisedToFifteenDigits(_ c: Typed) throws {
        #expect(try IMEI.normalize(c.typed).get() == c.expected)
        #expect(CertificateRules.allDeviceKeys(imeis: [c.typed], serial: nil) == [.imei(c.expected)])
    }

    @Test(arguments: [
        Typed(typed: "35209411778899", expected: "has 14 digits, not 15"),
        Typed(typed: "3520941177889990", expected: "has 16 digits, not 15"),
        Typed(typed: "352094117788998", expected: "fails its check digit"),
        Typed(typed: "35209411778899O", expected: "not a digit"),
        Typed(typed: "352094117788999\u{0}", expected: "not a digit"),
        Typed(typed: " - ", expected: "is empty"),
    ])
    func malformedIMEIsAreRefusedWithOneSentence(_ c: Typed) {
        guard case .failure(let error) = IMEI.normalize(c.typed) else {
            Issue.record("\(c.typed.debugDescription) was taken as an IMEI")
            return
        }
        #expect(error.description.contains(c.expected), "\(error.description)")
        #expect(!error.description.contains("\u{0}"))
        #expect(error.description.hasSuffix("."))
        // The terms refuse it instead of dropping it and certifying the device by its serial.
        let refusals = CertificateRules.malformedIMEIs([c.typed])
        #expect(refusals.map(\.code) == ["bad_imei"])
    }

    // MARK: - Serial numbers

    @Test(arguments: [
        "DX3VK1ABN70F", "dx3vk1abn70f", "DX3V-K1AB-N70F", " dx3v k1ab n70f\t", "ＤＸ３ＶＫ１ＡＢＮ７０Ｆ",
        "DX3V\u{200B}K1AB\u{00AD}N70F", "DX3VK1ABN70F\u{200E}",
    ])
    func serialSpellingsAreOneSerial(_ typed: String) {
        #expect(SerialNumber.normalize(typed) == "DX3VK1ABN70F")
        #expect(CertificateRules.allDeviceKeys(imeis: [], serial: typed) == [.serial("DX3VK1ABN70F")])
    }

    @Test func aSerialOfSeparatorsOnlyIsNoSerial() {
        #expect(SerialNumber.normalize(" -\u{200B} ") == nil)
        #expect(SerialNumber.normalize(nil) == nil)
    }

    // MARK: - Control characters

    @Test(arguments: ["Иванова\u{0}Әлия", "Ivanova\u{1B}[31m", "Ivanova\nAliya", "Ivanova\u{7F}", "Ivanova\u{85}", "Ivanova\u{2028}"])
    func controlCharactersInTextAreRefused(_ text: String) throws {
        let problem = try #require(TextInput.problem(text, field: "holder's name"))
        #expect(problem.hasPrefix("The holder's name holds a control character (U+"))
        #expect(TextInput.problem("Иванова Әлия Серікқызы", field: "holder's name") == nil)
    }

    @Test func theTermsRefuseANameWithANUL() throws {
        let catalog = try Catalog.loadDefault()
        let stores = try StoreList.loadDefault()
        let result = CertificateRules.terms(
            amount: Tenge(100_000), issuedOn: try #require(CivilDate("2026-11-23")), holderName: "Иванова\u{0}Әлия",
            iin: "900101300007", birthDate: try #require(CivilDate("1990-01-01")),
            store: try #require(stores.store(id: "ALA-SAMAL2-100")), model: try #require(catalog.lookup("iPhone 11").model),
            imeis: ["352094117788999"], serial: nil, alreadyCertified: { _ in false })
        guard case .failure(let refusal) = result else {
            Issue.record("a name with a NUL was accepted")
            return
        }
        #expect(refusal.refusals.map(\.code) == ["holder_name"])
    }

    // MARK: - Grade, amount, date

    @Test(arguments: [("ok/B", "ok/B"), ("B", "ok/B"), ("minor/c", "minor/C"), ("MAJOR/D", "major/D"), (" ok/A ", "ok/A")])
    func gradesOnTheScaleParse(_ typed: String, _ canonical: String) {
        #expect(GradeLabel(typed)?.description == canonical)
    }

    @Test(arguments: ["E", "ok/E", "broken/B", "ok/B/C", "", "ok/"])
    func gradesOffTheScaleDoNot(_ typed: String) {
        #expect(GradeLabel(typed) == nil)
    }

    /// iPhone 11's largest storage (256 GB) sells at 157 000 KZT in the embedded catalog.
    @Test(arguments: [("ok/A", 157_000), ("ok/B", 141_000), ("minor/C", 100_000), ("major/D", 51_500)])
    func theCeilingIsTheOfferAtTheLargestStorage(_ grade: String, _ ceiling: Int) throws {
        let model = try #require(try Catalog.loadDefault().lookup("iPhone 11").model)
        #expect(Pricing.ceiling(model: model, grade: try #require(GradeLabel(grade)), ruleSet: .current) == Tenge(ceiling))
    }

    struct ManualCase: Sendable, CustomTestStringConvertible {
        let what: String
        var model = "iPhone 11"
        var store = "ALA-SAMAL2-100"
        var grade = "ok/B"
        var amount = 141_000
        var issuedOn = "2026-11-23"
        var reason: String? = nil
        /// Refusal codes expected; empty for an accepted issue.
        var codes: [String] = []
        var testDescription: String { what }
    }

    @Test(arguments: [
        ManualCase(what: "at the offer"),
        ManualCase(what: "below the offer", amount: 90_000),
        ManualCase(what: "one tenge above the offer", amount: 141_001, codes: ["amount_above_offer"]),
        ManualCase(what: "a worse grade lowers the ceiling", grade: "minor/C", amount: 100_500, codes: ["amount_above_offer"]),
        ManualCase(what: "off the scale", grade: "Z", codes: ["grade"]),
        ManualCase(what: "a refused model", model: "iPhone SE (3rd generation)", amount: 1000, codes: ["model_refused"]),
        ManualCase(what: "Apple at a store that takes none", store: "ALA-DOSTYK-PLAZA", codes: ["store_takes_no_apple"]),
        ManualCase(what: "zero tenge", amount: 0, codes: ["amount"]),
        ManualCase(what: "yesterday without a reason", issuedOn: "2026-11-22", codes: ["issue_date"]),
        ManualCase(what: "yesterday with a reason", issuedOn: "2026-11-22", reason: "bench was down"),
        ManualCase(what: "seven days back with a reason", issuedOn: "2026-11-16", reason: "bench was down"),
        ManualCase(what: "eight days back", issuedOn: "2026-11-15", reason: "bench was down", codes: ["issue_date"]),
        ManualCase(what: "tomorrow", issuedOn: "2026-11-24", reason: "planned", codes: ["issue_date"]),
        ManualCase(what: "a blank reason", issuedOn: "2026-11-22", reason: "  ", codes: ["issue_date"]),
    ])
    func handIssuedCertificatesFollowTheRules(_ c: ManualCase) throws {
        let catalog = try Catalog.loadDefault()
        let stores = try StoreList.loadDefault()
        let result = ManualIssue.check(
            model: try #require(catalog.lookup(c.model).model), store: try #require(stores.store(id: c.store)),
            grade: c.grade, amount: Tenge(c.amount), ruleSet: .current, issuedOn: try #require(CivilDate(c.issuedOn)),
            today: try #require(CivilDate("2026-11-23")), reason: c.reason)
        switch result {
        case .success:
            #expect(c.codes.isEmpty, "accepted, expected \(c.codes)")
        case .failure(let refusal):
            #expect(refusal.refusals.map(\.code) == c.codes, "\(refusal)")
            #expect(refusal.refusals.allSatisfy { $0.reason.hasSuffix(".") })
        }
    }

    // MARK: - Bounded money and percentages

    @Test func aCatalogBuiltInMemoryIsBoundedToo() throws {
        let model = CatalogModel(
            id: "huge", family: .androidPhone, brand: "Samsung", name: "Huge", year: 2024, identifiers: ["SM-HUGE"],
            prices: [StoragePrice(storageGB: 128, marketPrice: Tenge(Int.max))])
        #expect {
            try Catalog(models: [model], version: "t", pricesAreSampleFigures: false, source: "memory")
        } throws: { error in
            let text = "\(error)"
            return text.contains("model #1 (huge)") && text.contains("prices[0].market_price")
        }
    }

    /// A model built in code (no catalog validated it) with a price past the bound: the ceiling's checked
    /// arithmetic refuses it naming the entry instead of trapping on the multiplication.
    @Test func aModelPricedPastTheBoundIsRefusedNotTrapped() throws {
        let model = CatalogModel(
            id: "huge", family: .androidPhone, brand: "Samsung", name: "Galaxy Huge", year: 2024, identifiers: ["SM-HUGE"],
            prices: [StoragePrice(storageGB: 128, marketPrice: Tenge(Int.max))])
        #expect(Pricing.ceiling(model: model, grade: GradeLabel(functional: .ok, cosmetic: .a), ruleSet: .current) == nil)
        #expect(Tenge(Int.max).checkedPercent(90) == nil)
        #expect(Tenge(157_000).checkedPercent(90) == Tenge(141_300))
        let stores = try StoreList.loadDefault()
        let result = ManualIssue.check(
            model: model, store: try #require(stores.store(id: "ALA-SAMAL2-100")), grade: "ok/A", amount: Tenge(1000),
            ruleSet: .current, issuedOn: try #require(CivilDate("2026-11-23")), today: try #require(CivilDate("2026-11-23")),
            reason: nil)
        guard case .failure(let refusal) = result else {
            Issue.record("a model priced at Int.max was certified")
            return
        }
        #expect(refusal.refusals.map(\.code) == ["price_unknown"])
        #expect(refusal.description.contains("entry huge"))
    }

    @Test(arguments: [Int.max, Redemption.largestAmount + 1])
    func redemptionOfHugeAmountsIsRefusedNotTrapped(_ price: Int) {
        let result = Redemption.split(
            certificate: Tenge(100_000), price: Tenge(price), minimumPrepayment: Tenge(0),
            maximumPrepayment: Tenge(price), months: 12)
        guard case .failure(let error) = result else {
            Issue.record("a price of \(price) was split")
            return
        }
        #expect(error.description.contains("phone's price"))
    }

    @Test(arguments: [-1, 101, 250])
    func batteryAnswersOutsideZeroToHundredAreRefused(_ percent: Int) throws {
        let json = Data(#"{"battery_health_percent": \#(percent)}"#.utf8)
        #expect {
            try JSONDecoder().decode(ChecklistAnswers.self, from: json)
        } throws: { error in
            "\(error)".contains("from 0 to 100")
        }
        // Given in code, the grader counts it as no answer: the battery check stays pending, nothing is clamped.
        let grade = Grader.grade(
            family: .iPhone, facts: DeviceFacts(), answers: ChecklistAnswers(batteryHealthPercent: percent),
            ruleSet: .current)
        #expect(grade.batteryHealthPercent == nil)
        #expect(grade.pending.contains(.batteryHealth))
    }

    @Test func aBatteryAnswerInRangeDecodes() throws {
        let answers = try JSONDecoder().decode(ChecklistAnswers.self, from: Data(#"{"battery_health_percent": 100}"#.utf8))
        #expect(answers.batteryHealthPercent == 100)
    }
}
