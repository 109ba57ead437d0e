// SPDX-License-Identifier: Apache-2.0
import Grading
import Testing

struct PricingTests {
    let appraiser = Appraiser(catalog: Fixtures.catalog)

    func quote(
        _ model: String = "iPhone 11", storage: Int? = 128, cosmetic: CosmeticGrade? = .a, functional: FunctionalGrade = .ok,
        battery: Int? = nil, box: Bool = false, charger: Bool = false
    ) -> Appraisal {
        var answers = ChecklistAnswers(batteryHealthPercent: battery, cosmetic: cosmetic, functional: functional)
        answers[.boxPresent] = box ? .pass : .fail
        answers[.chargerPresent] = charger ? .pass : .fail
        return appraiser.appraise(AppraisalRequest(model: model, facts: DeviceFacts(storageGB: storage), answers: answers))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var cosmetic: CosmeticGrade = .a
        var functional: FunctionalGrade = .ok
        var battery: Int? = nil
        var box = false
        var charger = false
        let amount: Int
        let kinds: [String]
        var testDescription: String { "\(functional.rawValue)/\(cosmetic.rawValue) battery \(battery.map(String.init) ?? "-") box \(box) charger \(charger)" }
    }

    // Market price 140 000 ₸ (iPhone 11, 128 GB, in the test catalog).
    @Test(arguments: [
        Case(amount: 140_000, kinds: ["market_price", "grade_factor"]),
        Case(cosmetic: .b, box: true, amount: 130_000, kinds: ["market_price", "grade_factor", "box_bonus", "rounding"]),  // 126 000 + 4 200
        Case(cosmetic: .c, functional: .minor, amount: 89_500, kinds: ["market_price", "grade_factor", "rounding"]),  // 89 600
        Case(cosmetic: .d, functional: .major, amount: 46_000, kinds: ["market_price", "grade_factor", "rounding"]),  // 46 200
        Case(battery: 80, amount: 140_000, kinds: ["market_price", "grade_factor"]),
        Case(battery: 79, amount: 126_000, kinds: ["market_price", "grade_factor", "battery_deduction"]),
        Case(battery: 70, amount: 126_000, kinds: ["market_price", "grade_factor", "battery_deduction"]),
        Case(battery: 69, amount: 112_000, kinds: ["market_price", "grade_factor", "battery_deduction"]),
        Case(battery: 0, amount: 112_000, kinds: ["market_price", "grade_factor", "battery_deduction"]),
        Case(box: true, charger: true, amount: 147_000, kinds: ["market_price", "grade_factor", "box_bonus", "charger_bonus"]),
        Case(charger: true, amount: 142_500, kinds: ["market_price", "grade_factor", "charger_bonus", "rounding"]),  // 142 800
    ])
    func pricesWithABreakdownLinePerStep(_ c: Case) throws {
        let appraisal = quote(cosmetic: c.cosmetic, functional: c.functional, battery: c.battery, box: c.box, charger: c.charger)
        let offer = try #require(appraisal.quote)
        #expect(offer.amount == Tenge(c.amount))
        #expect(offer.lines.map(\.kind) == c.kinds)
        #expect(offer.lines.last?.subtotal == offer.amount)
        #expect(offer.lines.reduce(Tenge.zero) { $0 + $1.amount } == offer.amount, "lines add up")
        #expect(offer.amount.amount % RuleSet.current.roundingStep == 0)
        #expect(offer.ruleSetID == "2026-11-a")
    }

    @Test func aModelSoldInOneSizeNeedsNoStorage() throws {
        let offer = try #require(quote("AirPods Pro", storage: nil).quote)
        #expect(offer.amount == Tenge(38_000))
        #expect(offer.storageGB == nil)
    }

    @Test func storageMustBeOneTheCatalogPrices() {
        let missing = quote(storage: nil)
        #expect(missing.refusals.map(\.code) == ["storage_unknown"])
        #expect(missing.refusals.first?.reason.contains("64 GB, 128 GB") == true)
        let wrong = quote(storage: 512)
        #expect(wrong.refusals.first?.reason.contains("512 GB") == true)
        #expect(wrong.quote == nil)
    }

    @Test func anUnknownModelGetsSuggestions() {
        let appraisal = quote("iPhone 11 Pr")
        #expect(appraisal.refusals.map(\.code) == ["unknown_model"])
        #expect(appraisal.suggestions.first?.name == "iPhone 11")
        #expect(!appraisal.isOffer)
    }

    @Test func neverNegative() throws {
        let harsh = RuleSet(
            id: "test-harsh", factorPercent: [.ok: [.a: 10, .b: 10, .c: 10, .d: 10]],
            batteryTiers: [RuleSet.BatteryTier(belowPercent: 100, deductPercent: 150)], boxBonusPercent: 0,
            chargerBonusPercent: 0, roundingStep: 500, acceptedBrands: ["Apple"], brandAliases: [:], settings: [])
        var answers = ChecklistAnswers(batteryHealthPercent: 50, cosmetic: .a, functional: .ok)
        answers[.boxPresent] = .fail
        let appraisal = Appraiser(catalog: Fixtures.catalog, ruleSet: harsh)
            .appraise(AppraisalRequest(model: "iPhone 11", facts: DeviceFacts(storageGB: 128), answers: answers))
        let offer = try #require(appraisal.quote)
        #expect(offer.amount == .zero)
        #expect(offer.lines.map(\.kind).contains("floor"))
    }

    @Test func aBlockerStopsTheOfferWithItsReason() {
        var answers = Fixtures.allPass(for: .iPhone)
        answers[.activationLock] = .fail
        let appraisal = appraiser.appraise(AppraisalRequest(facts: Fixtures.phoneFacts, answers: answers))
        #expect(appraisal.model?.id == "phone-x")
        #expect(appraisal.quote == nil)
        #expect(appraisal.refusals.map(\.code) == ["activation_lock"])
    }

    @Test func aFullIntakeIsFinal() throws {
        var answers = Fixtures.allPass(for: .iPhone)
        answers[.bodyScratches] = .fail
        let appraisal = appraiser.appraise(AppraisalRequest(facts: Fixtures.phoneFacts, answers: answers))
        #expect(appraisal.isFinal)
        // 140 000 × 90% + box 4 200 + charger 2 800 = 133 000
        #expect(appraisal.quote?.amount == Tenge(133_000))
    }

    @Test func aQuoteWithoutTheChecksIsAnOfferButNotFinal() throws {
        let appraisal = quote()
        #expect(appraisal.isOffer)
        #expect(!appraisal.isFinal)
        #expect(appraisal.grade?.pending.contains(.ownershipConfirmed) == true)
    }
}
