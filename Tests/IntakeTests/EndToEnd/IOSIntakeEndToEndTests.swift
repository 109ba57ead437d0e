// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import Grading
import Intake
import IntakeStore
import Logging
import Testing

/// Plug to certificate for iPhones: the real libimobiledevice against the usbmuxd simulator, the real rules, the
/// real SQLite registry; `intake-agent` itself where a bench script would run it.
@Suite("iPhone intake end to end")
struct IOSIntakeEndToEndTests {
    static let simulator = USBMuxSimulator.processShared

    static func answersFile(in dir: URL, holderIIN: String = "900101300007") throws -> String {
        var checklist: [String: String] = [:]
        for id in CheckID.allCases { checklist[id.rawValue] = "pass" }
        let answers: [String: Any] = [
            "store": "ALA-MEGA2", "consultant": "e2e",
            "checklist": ["answers": checklist, "cosmetic": "B"],
            "box": true, "charger": true, "accept_offer": true,
            "holder": ["name": "Айгерим Сапарова", "iin": holderIIN, "birth_date": "1990-01-01", "document_number": "N1"],
        ]
        let path = dir.appendingPathComponent("answers.json").path
        try JSONSerialization.data(withJSONObject: answers).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-ios-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aCleanIPhoneGoesFromPlugToCertificateThroughTheCommandLine() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        Self.simulator.attach(phone, alreadyPaired: true)
        defer { Self.simulator.detach(udid: phone.udid) }
        let dir = try Self.tempDir()
        let run = try await AgentBinary.run(
            ["intake", "--data-dir", dir.path, "--udid", phone.udid, "--answers", try Self.answersFile(in: dir), "--json"],
            environment: ["USBMUXD_SOCKET_ADDRESS": Self.simulator.socketAddress])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["state"] as? String == "certificate_issued")
        let report = try #require(json["report"] as? [String: Any])
        #expect((report["model"] as? [String: Any])?["name"] as? String == "iPhone 11")
        #expect(report["imei"] as? [String] == ["352094117788999"])
        let certificate = try #require(json["certificate"] as? [String: Any])
        let number = try #require(certificate["number"] as? String)
        // The registry the command wrote verifies it, and refuses the same phone a second time.
        let verify = try await AgentBinary.run(["certificate", "verify", number, "--data-dir", dir.path])
        #expect(verify.status == 0, "\(verify.stderr)")
        let again = try await AgentBinary.run(
            ["intake", "--data-dir", dir.path, "--udid", phone.udid, "--answers", try Self.answersFile(in: dir)],
            environment: ["USBMUXD_SOCKET_ADDRESS": Self.simulator.socketAddress])
        #expect(again.status == 1)
        #expect(again.stdout.contains("already has a certificate"), "\(again.stdout)")
    }

    @Test func findMyReportedOnIsRefusedWithItsReason() async throws {
        let phone = SimulatedIOSDevice.findMyWithPasscode.withFreshIdentity()
        Self.simulator.attach(phone, alreadyPaired: true)
        defer { Self.simulator.detach(udid: phone.udid) }
        let dir = try Self.tempDir()
        let run = try await AgentBinary.run(
            ["intake", "--data-dir", dir.path, "--udid", phone.udid, "--answers", try Self.answersFile(in: dir)],
            environment: ["USBMUXD_SOCKET_ADDRESS": Self.simulator.socketAddress])
        #expect(run.status == 1)
        #expect(run.stdout.contains("Find My"), "\(run.stdout)")
        #expect(run.stderr.contains("intake-agent: "), "one sentence on stderr: \(run.stderr)")
    }

    @Test func aBadIINIsRefusedAndNothingIsStored() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        Self.simulator.attach(phone, alreadyPaired: true)
        defer { Self.simulator.detach(udid: phone.udid) }
        let dir = try Self.tempDir()
        let run = try await AgentBinary.run(
            ["intake", "--data-dir", dir.path, "--udid", phone.udid, "--answers", try Self.answersFile(in: dir, holderIIN: "900101300008")],
            environment: ["USBMUXD_SOCKET_ADDRESS": Self.simulator.socketAddress])
        #expect(run.status == 1)
        #expect(run.stdout.contains("IIN"), "\(run.stdout)")
        let list = try await AgentBinary.run(["certificate", "list", "--data-dir", dir.path, "--json"])
        #expect(!list.stdout.contains("\"number\""), "\(list.stdout)")
    }

    // MARK: - In process: the daemon's session manager

    /// `holderLimit`: the scripted answers give every session one holder, so a test of two phones at once lets
    /// that holder have two live certificates (`max_live_certificates_per_holder`).
    static func manager(holderLimit: Int = 1) throws -> (SessionManager, Station) {
        let dir = try tempDir()
        let station = try Station(dataDirectory: dir, holderLimit: holderLimit)
        let context = IntakeContext(
            appraiser: Appraiser(catalog: try Catalog.loadDefault()), stores: try StoreList.loadDefault(),
            issuer: station.issuer, blocklist: Blocklist(dataDirectory: dir), storeID: "ALA-MEGA2", consultant: "e2e")
        var checklist = ChecklistAnswers(Dictionary(uniqueKeysWithValues: CheckID.allCases.map { ($0, CheckAnswer.pass) }))
        checklist.cosmetic = .a
        let defaults = IntakeAnswers(
            store: "ALA-MEGA2", checklist: checklist, box: true, charger: true, acceptOffer: true,
            holder: .init(name: "Нұрлан Әбенов", iin: "851231450018", birthDate: CivilDate(year: 1985, month: 12, day: 31)!, documentNumber: "N2"))
        return (SessionManager(context: context, defaults: defaults, logger: Logger(label: "e2e")), station)
    }

    /// Collects every update into an actor, so a test can wait for one with a deadline instead of blocking on the
    /// stream forever.
    actor Collected {
        var updates: [SessionUpdate] = []
        func add(_ update: SessionUpdate) { updates.append(update) }
    }

    static func collect(_ manager: SessionManager) -> Collected {
        let collected = Collected()
        let stream = manager.updates
        Task { for await update in stream { await collected.add(update) } }
        return collected
    }

    /// Waits for an update with `event` for `device`, failing with everything seen after `seconds`.
    static func waitFor(_ event: String, device: String, in collected: Collected, after count: Int = 0, seconds: Int = 60)
        async throws -> SessionUpdate
    {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let updates = await collected.updates
            if let hit = updates.dropFirst(count).first(where: { $0.event == event && $0.device.contains(device) }) { return hit }
            try await Task.sleep(for: .milliseconds(20))
        }
        let seen = await collected.updates.map { "\($0.event)(\($0.state.rawValue)): \($0.message)" }
        throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "no \(event) for \(device) within \(seconds) s; saw \(seen)"])
    }

    @Test func twoIPhonesAtOnceEachGetTheirOwnCertificate() async throws {
        let (manager, station) = try Self.manager(holderLimit: 2)
        let phones = [SimulatedIOSDevice.cleanIPhone11.withFreshIdentity(), SimulatedIOSDevice.oldIPhone7.withFreshIdentity()]
        for phone in phones { Self.simulator.attach(phone, alreadyPaired: true) }
        defer { for phone in phones { Self.simulator.detach(udid: phone.udid) } }
        let collected = Self.collect(manager)
        for phone in phones {
            await manager.deviceArrived(key: "ios:\(phone.udid)", reader: IOSReader(udid: phone.udid, logger: Logger(label: "e2e")))
        }
        for phone in phones {
            let issued = try await Self.waitFor("certificate_issued", device: phone.udid, in: collected, seconds: 90)
            #expect(issued.state == .certificateIssued)
        }
        let certificates = try await station.registry.list(CertificateFilter())
        #expect(certificates.count == 2)
    }

    @Test func anIPhoneUnpluggedMidReadIsCancelledAndReadAgainWhenReplugged() async throws {
        let (manager, station) = try Self.manager()
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        // Slow enough that the unplug lands in the middle of the read.
        Self.simulator.attach(phone, latency: .milliseconds(700), alreadyPaired: true)
        let key = "ios:\(phone.udid)"
        let reader = IOSReader(udid: phone.udid, options: IOSReadOptions(stepTimeout: .seconds(5), trustWait: .zero), logger: Logger(label: "e2e"))
        let collected = Self.collect(manager)
        await manager.deviceArrived(key: key, reader: reader)
        _ = try await Self.waitFor("identified", device: phone.udid, in: collected)
        Self.simulator.detach(udid: phone.udid)
        await manager.deviceLeft(key: key)
        let stopped = try await Self.waitFor("stopped", device: phone.udid, in: collected)
        #expect(stopped.state == .cancelled, "\(stopped.message)")
        let seen = await collected.updates.count
        #expect(try await station.registry.list(CertificateFilter()).isEmpty)

        Self.simulator.attach(phone, alreadyPaired: true)
        defer { Self.simulator.detach(udid: phone.udid) }
        await manager.deviceArrived(key: key, reader: reader)
        let issued = try await Self.waitFor("certificate_issued", device: phone.udid, in: collected, after: seen, seconds: 90)
        #expect(issued.state == .certificateIssued)
        #expect(try await station.registry.list(CertificateFilter()).count == 1)
    }
}
