// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Testing

/// A healthy iPhone read over USB and a consultant who answered every question well.
enum Fixtures {
    static let imei = "356938035643809"

    /// The embedded catalog and store list, loaded once for all suites (each test gets a fresh suite instance).
    static let defaultCatalog = Result { try Catalog.loadDefault() }
    static let defaultStores = Result { try StoreList.loadDefault() }

    static let phoneFacts = DeviceFacts(
        identifier: "iPhone12,1", brand: "Apple", serial: "DX3VK1ABN70F", imeis: [imei], storageGB: 128,
        batteryHealthPercent: 91, readOverUSB: true, activationLocked: false, findMyEnabled: false, passcodeSet: false,
        accounts: nil, frpArmed: nil, mdmEnrolled: false, carrierLocked: false)

    static func allPass(for family: DeviceFamily) -> ChecklistAnswers {
        var answers = ChecklistAnswers()
        for check in Checklist.checks(for: family) { answers[check.id] = .pass }
        return answers
    }

    static let catalog: Catalog = {
        let models = [
            CatalogModel(
                id: "phone-x", family: .iPhone, brand: "Apple", name: "iPhone 11", year: 2019, identifiers: ["iPhone12,1"],
                prices: [StoragePrice(storageGB: 64, marketPrice: Tenge(100_000)), StoragePrice(storageGB: 128, marketPrice: Tenge(140_000))]),
            CatalogModel(
                id: "galaxy-x", family: .androidPhone, brand: "Samsung", name: "Galaxy S10", year: 2019, identifiers: ["SM-G973F"],
                prices: [StoragePrice(storageGB: 128, marketPrice: Tenge(70_000))]),
            CatalogModel(
                id: "pods", family: .airPods, brand: "Apple", name: "AirPods Pro", year: 2019, identifiers: ["A2084"],
                prices: [StoragePrice(storageGB: nil, marketPrice: Tenge(38_000))]),
        ]
        return try! Catalog(models: models, version: "test", pricesAreSampleFigures: false, source: "test")
    }()
}

struct GradeTests {
    func grade(
        _ facts: DeviceFacts = Fixtures.phoneFacts, family: DeviceFamily = .iPhone,
        answers: ChecklistAnswers = Fixtures.allPass(for: .iPhone), blocklist: Set<String> = []
    ) -> GradeResult {
        Grader.grade(family: family, facts: facts, answers: answers, blocklistedIMEIs: blocklist, ruleSet: .current)
    }

    @Test func aHealthyDeviceIsFinalAtTheTopGrade() {
        let result = grade()
        #expect(result.blockers.isEmpty)
        #expect(result.pending.isEmpty)
        #expect(result.isFinal)
        #expect(result.functional == .ok)
        #expect(result.cosmetic == .a)
        #expect(result.factorPercent == 100)
        #expect(result.ruleSetID == "2026-11-a")
        #expect(result.steps.contains { $0.contains("Factor 100%") && $0.contains("2026-11-a") })
    }

    // MARK: - Blockers

    struct BlockerCase: Sendable, CustomTestStringConvertible {
        let what: String
        let facts: DeviceFacts
        var family: DeviceFamily = .iPhone
        var failed: CheckID? = nil
        var blocklist: Set<String> = []
        let code: String
        var testDescription: String { what }
    }

    static func facts(_ change: (inout DeviceFacts) -> Void) -> DeviceFacts {
        var facts = Fixtures.phoneFacts
        change(&facts)
        return facts
    }

    static let androidFacts = DeviceFacts(
        identifier: "SM-G973F", brand: "samsung", imeis: [Fixtures.imei], storageGB: 128, batteryHealthPercent: 88,
        readOverUSB: true, passcodeSet: false, accounts: [], frpArmed: false, mdmEnrolled: false, carrierLocked: false)

    @Test(arguments: [
        BlockerCase(what: "Find My reported on", facts: facts { $0.findMyEnabled = true }, code: "activation_lock"),
        BlockerCase(what: "Activation Lock on", facts: facts { $0.activationLocked = true }, code: "activation_lock"),
        BlockerCase(what: "consultant sees Find My on", facts: Fixtures.phoneFacts, failed: .activationLock, code: "activation_lock"),
        BlockerCase(what: "passcode set", facts: facts { $0.passcodeSet = true }, code: "screen_lock_removed"),
        BlockerCase(what: "MDM", facts: facts { $0.mdmEnrolled = true }, code: "mdm"),
        BlockerCase(what: "carrier lock", facts: facts { $0.carrierLocked = true }, code: "carrier_lock"),
        BlockerCase(what: "IMEI fails Luhn", facts: facts { $0.imeis = ["356938035643808"] }, code: "imei_valid"),
        BlockerCase(what: "IMEI too short", facts: facts { $0.imeis = ["35693803564380"] }, code: "imei_valid"),
        BlockerCase(what: "blocklisted IMEI", facts: Fixtures.phoneFacts, blocklist: [Fixtures.imei], code: "imei_not_blocklisted"),
        BlockerCase(what: "ownership not confirmed", facts: Fixtures.phoneFacts, failed: .ownershipConfirmed, code: "ownership_confirmed"),
        BlockerCase(what: "does not power on", facts: facts { $0.readOverUSB = false }, failed: .powersOn, code: "powers_on"),
        BlockerCase(what: "not reset", facts: Fixtures.phoneFacts, failed: .factoryReset, code: "factory_reset"),
        BlockerCase(what: "iCloud account the consultant saw", facts: Fixtures.phoneFacts, failed: .accountsRemoved, code: "accounts_removed"),
        BlockerCase(what: "Google account on Android", facts: { var f = androidFacts; f.accounts = ["com.google"]; return f }(), family: .androidPhone, code: "accounts_removed"),
        BlockerCase(what: "Samsung account on Android", facts: { var f = androidFacts; f.accounts = ["com.osp.app.signin"]; return f }(), family: .androidPhone, code: "accounts_removed"),
        BlockerCase(what: "FRP armed", facts: { var f = androidFacts; f.frpArmed = true; return f }(), family: .androidPhone, code: "accounts_removed"),
    ])
    func anyLockAccountOrBadIMEIMeansNoOffer(_ c: BlockerCase) {
        var answers = Fixtures.allPass(for: c.family)
        if let failed = c.failed { answers[failed] = .fail }
        let result = grade(c.facts, family: c.family, answers: answers, blocklist: c.blocklist)
        #expect(result.isRefused)
        #expect(result.blockers.map(\.code) == [c.code])
        #expect(result.blockers.allSatisfy { $0.reason.hasSuffix(".") })
        #expect(!result.isFinal)
    }

    @Test func theAccountsReadAreNamedInTheReason() {
        var facts = Self.androidFacts
        facts.accounts = ["com.google", "com.osp.app.signin"]
        let result = grade(facts, family: .androidPhone, answers: Fixtures.allPass(for: .androidPhone))
        #expect(result.blockers.first?.reason.contains("Google, Samsung") == true)
    }

    /// Samsung Reactivation Lock (read over the modem) means a Samsung account still holds the phone.
    @Test func samsungReactivationLockIsAnAccountStillOnThePhone() {
        var facts = Self.androidFacts
        facts.reactivationLocked = true
        let result = grade(facts, family: .androidPhone, answers: Fixtures.allPass(for: .androidPhone))
        #expect(result.blockers.map(\.code) == ["accounts_removed"])
        #expect(result.blockers.first?.reason.contains("Reactivation Lock") == true)
        facts.reactivationLocked = false
        #expect(grade(facts, family: .androidPhone, answers: Fixtures.allPass(for: .androidPhone)).blockers.isEmpty)
    }

    @Test func aDevicesFindMyOffIsNotTrustedAlone() {
        var answers = Fixtures.allPass(for: .iPhone)
        answers[.activationLock] = nil
        let result = grade(answers: answers)
        #expect(result.blockers.isEmpty)
        #expect(result.pending == [.activationLock])
        #expect(result.checks.first { $0.id == .activationLock }?.detail?.contains("confirm on the phone") == true)
    }

    @Test func aConsultantsFailBeatsADevicesPass() {
        var answers = Fixtures.allPass(for: .iPhone)
        answers[.screenLockRemoved] = .fail
        #expect(grade(answers: answers).blockers.map(\.code) == ["screen_lock_removed"])
    }

    @Test func cleanAndroidNeedsNoAccountAnswer() {
        var answers = Fixtures.allPass(for: .androidPhone)
        answers[.accountsRemoved] = nil
        let result = grade(Self.androidFacts, family: .androidPhone, answers: answers)
        #expect(result.isFinal)
        #expect(result.checks.first { $0.id == .accountsRemoved }?.answeredBy == "device")
    }

    @Test func noIMEIKeepsAPhonePending() {
        let result = grade(Self.facts { $0.imeis = [] })
        #expect(result.pending.contains(.imeiValid))
        #expect(result.pending.contains(.imeiNotBlocklisted))
        #expect(!result.isFinal)
    }

    @Test func airPodsHaveNoChargerBonus() {
        var answers = Fixtures.allPass(for: .airPods)
        answers[.chargerPresent] = .pass
        let result = grade(DeviceFacts(name: "AirPods Pro", serial: "GX1234"), family: .airPods, answers: answers)
        #expect(result.hasBox)
        #expect(!result.hasCharger)
    }

    @Test func airPodsSkipPhoneChecks() {
        let result = grade(DeviceFacts(name: "AirPods Pro", serial: "GX1234"), family: .airPods, answers: Fixtures.allPass(for: .airPods))
        #expect(result.isFinal)
        #expect(!result.checks.contains { $0.id == .imeiValid || $0.id == .displayCracks || $0.id == .batteryHealth })
    }

    // MARK: - Axes

    struct AxisCase: Sendable, CustomTestStringConvertible {
        let failed: [CheckID]
        var cosmeticOverall: CosmeticGrade? = nil
        var functionalOverall: FunctionalGrade? = nil
        let functional: FunctionalGrade
        let cosmetic: CosmeticGrade
        let factor: Int
        var testDescription: String { failed.map(\.rawValue).joined(separator: "+") + " \(cosmeticOverall?.rawValue ?? "") \(functionalOverall?.rawValue ?? "")" }
    }

    @Test(arguments: [
        AxisCase(failed: [], functional: .ok, cosmetic: .a, factor: 100),
        AxisCase(failed: [.bodyScratches], functional: .ok, cosmetic: .b, factor: 90),
        AxisCase(failed: [.screenScratches], functional: .ok, cosmetic: .c, factor: 75),
        AxisCase(failed: [.bodyDents, .bodyScratches], functional: .ok, cosmetic: .c, factor: 75),
        AxisCase(failed: [.displayCracks], functional: .ok, cosmetic: .d, factor: 55),
        AxisCase(failed: [.backGlass], functional: .ok, cosmetic: .d, factor: 55),
        AxisCase(failed: [.buttons], functional: .minor, cosmetic: .a, factor: 85),
        AxisCase(failed: [.biometrics, .bodyScratches], functional: .minor, cosmetic: .b, factor: 77),
        AxisCase(failed: [.cameras], functional: .major, cosmetic: .a, factor: 60),
        AxisCase(failed: [.liquidDamage, .buttons, .displayCracks], functional: .major, cosmetic: .d, factor: 33),
        AxisCase(failed: [], cosmeticOverall: .c, functional: .ok, cosmetic: .c, factor: 75),
        AxisCase(failed: [.displayCracks], cosmeticOverall: .b, functional: .ok, cosmetic: .d, factor: 55),
        AxisCase(failed: [.buttons], functionalOverall: .ok, functional: .minor, cosmetic: .a, factor: 85),
        AxisCase(failed: [], functionalOverall: .major, functional: .major, cosmetic: .a, factor: 60),
    ])
    func failedChecksSetTheWorseOfEachAxis(_ c: AxisCase) {
        var answers = Fixtures.allPass(for: .iPhone)
        for id in c.failed { answers[id] = .fail }
        answers.cosmetic = c.cosmeticOverall
        answers.functional = c.functionalOverall
        let result = grade(answers: answers)
        #expect(result.blockers.isEmpty)
        #expect(result.functional == c.functional)
        #expect(result.cosmetic == c.cosmetic)
        #expect(result.factorPercent == c.factor)
        for id in c.failed {
            #expect(result.steps.contains { $0.contains(id.definition.label.en) }, "the step names \(id)")
        }
    }

    @Test func overallGradesStandInForUnansweredChecks() {
        let answers = ChecklistAnswers(cosmetic: .b, functional: .ok)
        let result = grade(answers: answers)
        #expect(!result.pending.contains { Checklist.definition($0).effect == .cosmetic(.b) || $0 == .buttons })
        #expect(result.pending.contains(.ownershipConfirmed))
        #expect(result.cosmetic == .b)
    }

    @Test func unansweredBoxMeansNoBonusNotPending() {
        var answers = Fixtures.allPass(for: .iPhone)
        answers[.boxPresent] = nil
        let result = grade(answers: answers)
        #expect(result.isFinal)
        #expect(!result.hasBox)
    }

    // MARK: - The checklist itself

    @Test func everyCheckHasThreeLabelsAndAKnownEffect() {
        #expect(Checklist.definitions.map(\.id) == CheckID.allCases)
        for check in Checklist.definitions {
            #expect(!check.label.ru.isEmpty && !check.label.kk.isEmpty && !check.label.en.isEmpty)
            #expect(!check.families.isEmpty)
        }
        let blockers = Set(Checklist.definitions.filter { $0.effect == .blocker }.map(\.id))
        #expect(blockers.isSuperset(of: [
            .powersOn, .activationLock, .accountsRemoved, .screenLockRemoved, .mdm, .carrierLock, .imeiValid,
            .imeiNotBlocklisted, .ownershipConfirmed,
        ]))
    }

    @Test(arguments: ["blocker", "functional:minor", "cosmetic:D", "battery_deduction", "bonus"])
    func effectsRoundTripAsText(_ text: String) throws {
        let effect = try JSONDecoder().decode(CheckEffect.self, from: Data("\"\(text)\"".utf8))
        #expect(effect.description == text)
    }

    @Test func answersDecodeFromAFileAndRefuseUnknownChecks() throws {
        let json = #"{"answers": {"display_cracks": "fail", "box_present": "pass"}, "battery_health_percent": 77, "cosmetic": "B"}"#
        let answers = try JSONDecoder().decode(ChecklistAnswers.self, from: Data(json.utf8))
        #expect(answers[.displayCracks] == .fail)
        #expect(answers.batteryHealthPercent == 77)
        #expect(answers.cosmetic == .b)
        let roundTrip = try JSONDecoder().decode(ChecklistAnswers.self, from: JSONEncoder().encode(answers))
        #expect(roundTrip == answers)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ChecklistAnswers.self, from: Data(#"{"answers": {"display_crack": "fail"}}"#.utf8))
        }
    }
}
