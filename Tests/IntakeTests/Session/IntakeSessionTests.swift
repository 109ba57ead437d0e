// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Foundation
import Grading
import Intake
import IntakeStore
import Testing

/// Sessions through the real rules and the real SQLite registry; the device side is a scripted `DeviceReading`
/// here (the simulators' end-to-end runs are in DemoFlowTests).
@Suite("Intake sessions")
struct IntakeSessionTests {
    static let today = CivilDate(year: 2026, month: 11, day: 23)!

    static func context(store: String = "ALA-MEGA2") throws -> (IntakeContext, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let station = try Station(dataDirectory: dir)
        let context = IntakeContext(
            appraiser: Appraiser(catalog: try Catalog.loadDefault()), stores: try StoreList.loadDefault(),
            issuer: station.issuer, blocklist: Blocklist(dataDirectory: dir), storeID: store, consultant: "test",
            today: { today })
        return (context, dir)
    }

    static func answers(model: String? = nil, serial: String? = nil, iin: String = "900101300007", accept: Bool? = true) -> IntakeAnswers {
        var checklist = ChecklistAnswers(Dictionary(uniqueKeysWithValues: CheckID.allCases.map { ($0, CheckAnswer.pass) }))
        checklist.cosmetic = .b
        checklist.batteryHealthPercent = 90
        return IntakeAnswers(
            checklist: checklist, box: true, charger: true, acceptOffer: accept,
            holder: .init(name: "Айгерим Сапарова", iin: iin, birthDate: CivilDate(year: 1990, month: 1, day: 1)!, documentNumber: "N1"),
            device: model.map { .init(model: $0, serial: serial) })
    }

    struct ScriptedReader: DeviceReading {
        var report: DeviceReport
        var pairingFirst: String?
        var label: String { "scripted \(report.serial ?? "?")" }
        func read(progress: @escaping @Sendable (ReadProgress) -> Void) async throws -> DeviceReport {
            progress(.identified(identifier: report.model.identifier))
            if let pairingFirst {
                progress(.authorizationNeeded(pairing: pairingFirst, advice: "Tap Allow on the phone."))
                progress(.authorized)
            }
            return report
        }
    }

    static func android(accounts: [String] = [], imei: String = "356938035643809", passcode: Bool = false) -> DeviceReport {
        DeviceReport(
            platform: .android, serial: "R58M42ABCDE", model: .init(identifier: "SM-G973F", brand: "samsung"),
            osVersion: "12", imei: [imei], storageGB: 128, pairing: .authorized,
            locks: .init(passcodeSet: passcode, accounts: accounts, frpArmed: accounts.contains("com.google")),
            battery: .init(healthPercent: 91))
    }

    @Test func manualAirPodsGetACertificate() async throws {
        let (context, _) = try Self.context()
        let session = IntakeSession(source: .manual, context: context)
        let outcome = await session.run(answers: Self.answers(model: "AirPods Pro 2", serial: "H2XK7L9PQ1"))
        #expect(outcome.state == .certificateIssued, "\(outcome.reasons)")
        let certificate = try #require(outcome.certificate)
        #expect(certificate.content.amount == outcome.appraisal?.quote?.amount)
        #expect(outcome.updates.map(\.event).contains("certificate_issued"))
    }

    @Test func androidPhoneReadByItsReaderGetsACertificate() async throws {
        let (context, _) = try Self.context()
        let session = IntakeSession(source: .device(ScriptedReader(report: Self.android(), pairingFirst: "unauthorized")), context: context)
        let outcome = await session.run(answers: Self.answers())
        #expect(outcome.state == .certificateIssued, "\(outcome.reasons)")
        #expect(outcome.report?.model.name == "Galaxy S10")
        let events = outcome.updates.map(\.event)
        #expect(events.firstIndex(of: "authorization_needed")! < events.firstIndex(of: "read_completed")!)
        #expect(!events.contains("out_of_order"), "\(outcome.updates)")
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        let store: String
        let report: DeviceReport?
        let answers: IntakeAnswers
        let reasonContains: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Refusal(name: "Google account on the phone", store: "ALA-MEGA2", report: android(accounts: ["com.google"]),
                answers: answers(), reasonContains: "ccount"),
        Refusal(name: "screen lock still set", store: "ALA-MEGA2", report: android(passcode: true), answers: answers(),
                reasonContains: "lock"),
        Refusal(name: "Apple product at Dostyk Plaza", store: "ALA-DOSTYK-PLAZA", report: nil,
                answers: answers(model: "AirPods Pro 2", serial: "H2XK7L9PQ9"), reasonContains: "Apple"),
        Refusal(name: "bad IIN", store: "ALA-MEGA2", report: android(), answers: answers(iin: "900101300008"),
                reasonContains: "IIN"),
        Refusal(name: "ineligible model", store: "ALA-MEGA2", report: nil, answers: answers(model: "iPhone 5s", serial: "F1"),
                reasonContains: "5s"),
    ])
    func refusals(_ r: Refusal) async throws {
        let (context, _) = try Self.context(store: r.store)
        let source: IntakeSession.Source = r.report.map { .device(ScriptedReader(report: $0)) } ?? .manual
        let outcome = await IntakeSession(source: source, context: context).run(answers: r.answers)
        #expect(outcome.state == .refused)
        #expect(outcome.certificate == nil)
        #expect(outcome.reasons.joined(separator: " ").contains(r.reasonContains), "\(outcome.reasons)")
    }

    @Test func findMyReportedOnRefusesAnIPhone() async throws {
        let (context, _) = try Self.context()
        let report = DeviceReport(
            platform: .ios, serial: "DX3VK1ABN70F", model: .init(identifier: "iPhone12,1", brand: "Apple"),
            imei: ["352094117788999"], storageGB: 128, pairing: .paired,
            locks: .init(activationState: "Activated", findMy: true, passcodeSet: false), battery: .init(healthPercent: 85))
        let outcome = await IntakeSession(source: .device(ScriptedReader(report: report)), context: context).run(answers: Self.answers())
        #expect(outcome.state == .refused)
        #expect(outcome.reasons.joined().contains("Find My"), "\(outcome.reasons)")
    }

    @Test func aSecondSessionForTheSameDeviceIsRefused() async throws {
        let (context, _) = try Self.context()
        let first = await IntakeSession(source: .device(ScriptedReader(report: Self.android())), context: context).run(answers: Self.answers())
        #expect(first.state == .certificateIssued)
        let second = await IntakeSession(source: .device(ScriptedReader(report: Self.android())), context: context).run(answers: Self.answers())
        #expect(second.state == .refused)
        #expect(second.reasons.joined().contains("already has a certificate"), "\(second.reasons)")
    }

    @Test func aBlocklistedIMEIIsRefused() async throws {
        let (context, dir) = try Self.context()
        try "# stolen, police report 2026-10\n356938035643809\n".write(
            to: dir.appendingPathComponent("blocklist.txt"), atomically: true, encoding: .utf8)
        let outcome = await IntakeSession(source: .device(ScriptedReader(report: Self.android())), context: context).run(answers: Self.answers())
        #expect(outcome.state == .refused)
        #expect(outcome.reasons.joined().contains("blocklist"), "\(outcome.reasons)")
    }

    @Test func aScriptWithoutTheOfferDecisionStopsAtTheOffer() async throws {
        let (context, _) = try Self.context()
        let outcome = await IntakeSession(source: .device(ScriptedReader(report: Self.android())), context: context)
            .run(answers: Self.answers(accept: nil))
        #expect(outcome.state == .graded)
        #expect(outcome.certificate == nil)
    }

    @Test func missingAnswersAreAskedForAndThenUsed() async throws {
        let (context, _) = try Self.context()
        var partial = Self.answers()
        partial.checklist = ChecklistAnswers()
        let asked = Counter()
        let outcome = await IntakeSession(source: .device(ScriptedReader(report: Self.android())), context: context).run(
            answers: partial,
            ask: { question, current in
                guard case .checklist = question else { return current }
                await asked.increment()
                return Self.answers()
            })
        #expect(await asked.value == 1)
        #expect(outcome.state == .certificateIssued, "\(outcome.reasons)")
    }

    @Test func unpluggingWhileReadingCancelsTheSession() async throws {
        let (context, _) = try Self.context()
        let gate = Gate()
        struct SlowReader: DeviceReading {
            let gate: Gate
            var label: String { "slow" }
            func read(progress: @escaping @Sendable (ReadProgress) -> Void) async throws -> DeviceReport {
                await gate.wait()
                throw ReadStopped("The phone was unplugged during the read: plug it in again.")
            }
        }
        let session = IntakeSession(source: .device(SlowReader(gate: gate)), context: context)
        async let outcome = session.run(answers: Self.answers())
        try await Task.sleep(for: .milliseconds(20))
        await session.unplugged()
        await gate.open()
        let result = await outcome
        #expect(result.state == .cancelled)
        #expect(result.certificate == nil)
    }
}

actor Counter {
    var value = 0
    func increment() { value += 1 }
}

actor Gate {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isOpen = false
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters = []
    }
}
