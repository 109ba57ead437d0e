// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import Grading
import Intake
import IntakeStore
import Testing

/// Plug to certificate (or refusal) for Android phones: our ADB engine over TCP against the simulated adbd, the
/// real rules, the real SQLite registry.
@Suite("Android intake end to end")
struct AndroidIntakeEndToEndTests {
    static func run(_ profile: ADBDeviceProfile, auth: ADBDeviceSimulator.Auth? = nil) async throws -> IntakeOutcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-android-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let key = try ADBKey.loadOrCreate(in: dir)
        let simulator = ADBDeviceSimulator(.init(profile: profile, auth: auth ?? .trusting([key.publicKeyText])))
        let port = try simulator.listen()
        defer { simulator.stop() }
        let station = try Station(dataDirectory: dir)
        let context = IntakeContext(
            appraiser: Appraiser(catalog: try Catalog.loadDefault()), stores: try StoreList.loadDefault(),
            issuer: station.issuer, blocklist: Blocklist(dataDirectory: dir), storeID: "ALA-MEGA2", consultant: "e2e")
        let reader = AndroidADBReader(
            link: .tcp(host: "127.0.0.1", port: port), key: key,
            options: .init(commandTimeout: .seconds(10), handshake: .init(answer: .seconds(5), allow: .seconds(3))))
        return await IntakeSession(source: .device(reader), context: context).run(answers: IntakeSessionTests.answers())
    }

    @Test func aCleanXiaomiGetsACertificate() async throws {
        let outcome = try await Self.run(.xiaomiRedmiNote10)
        #expect(outcome.state == .certificateIssued, "\(outcome.reasons)")
        #expect(outcome.report?.imei == ["864532055512344", "864532055512351"])
        #expect(outcome.certificate?.content.amount == outcome.appraisal?.quote?.amount)
    }

    @Test func aSamsungWithAGoogleAccountAndAScreenLockIsRefusedWithBothReasons() async throws {
        let outcome = try await Self.run(.samsungS10)
        #expect(outcome.state == .refused)
        #expect(outcome.certificate == nil)
        let reasons = outcome.reasons.joined(separator: " ")
        #expect(reasons.contains("Google") || reasons.contains("account"), "\(reasons)")
        #expect(reasons.lowercased().contains("lock"), "\(reasons)")
    }

    /// The clean Xiaomi, but holding another carrier's SIM that its network lock refuses (`gsm.sim.state`
    /// NETWORK_LOCKED): the carrier-lock blocker is answered by the phone itself, and is the only reason.
    @Test func aCarrierLockedPhoneIsRefusedForItsLock() async throws {
        var phone = ADBDeviceProfile.xiaomiRedmiNote10
        phone.properties["gsm.sim.state"] = "NETWORK_LOCKED,ABSENT"
        let outcome = try await Self.run(phone)
        #expect(outcome.state == .refused)
        #expect(outcome.reasons.count == 1, "\(outcome.reasons)")
        #expect(outcome.report?.locks.networkLock == .network)
        #expect(outcome.report?.locks.simState == [.networkLocked, .absent])
        #expect(outcome.reasons.contains { $0.contains("carrier") }, "\(outcome.reasons)")
    }

    @Test func aPhoneThatNeverAllowsTheBenchStopsWithTheAdvice() async throws {
        let outcome = try await Self.run(.xiaomiRedmiNote10, auth: .trusting([], onNewKey: .never))
        #expect(outcome.state == .cancelled)
        #expect(outcome.reasons.joined().contains("Allow"), "\(outcome.reasons)")
        #expect(outcome.updates.contains { $0.event == "authorization_needed" })
    }
}
