// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import GRDB
import Grading
import Intake
import IntakeStore
import Logging
import Testing

/// `intake-agent intake` at a terminal, as a consultant uses it: the built binary on a pseudo-terminal, an iPhone
/// from the usbmuxd simulator through the real libimobiledevice, the real rules and the real SQLite registry.
@Suite("Terminal intake")
struct TerminalIntakeTests {
    static let simulator = USBMuxSimulator.processShared
    static let environment = ["USBMUXD_SOCKET_ADDRESS": simulator.socketAddress]

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-terminal-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `intake` for `phone` on a terminal, with a data directory of its own.
    static func intake(_ phone: SimulatedIOSDevice, _ options: String..., environment: [String: String] = [:]) throws -> (TerminalAgent, URL) {
        let dir = try tempDir()
        let agent = try TerminalAgent(
            ["intake", "--data-dir", dir.path, "--udid", phone.udid, "--store", "ALA-MEGA2"] + options,
            environment: Self.environment.merging(environment) { _, new in new })
        return (agent, dir)
    }

    /// Answers every checklist question with `yes` (and `B` for the cosmetic grade) until the offer is asked;
    /// returns the offer's question.
    static func answerChecklist(_ agent: TerminalAgent, yes: String, offer: String) throws -> String {
        var prompt = try #require(agent.nextPrompt(), "no question: \(agent.text)")
        var asked = 0
        while !prompt.contains(offer) {
            asked += 1
            try #require(asked < 60, "the checklist never ends: \(agent.text)")
            agent.type(prompt.contains("[A/B/C/D]") ? "B" : yes)
            prompt = try #require(agent.nextPrompt(), "no question after \(asked) answers: \(agent.text)")
        }
        return prompt
    }

    static func certificates(in dir: URL) async throws -> [[String: Any]] {
        let list = try await AgentBinary.run(["certificate", "list", "--data-dir", dir.path, "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8))
        if let array = json as? [[String: Any]] { return array }
        return (json as? [String: Any])?["certificates"] as? [[String: Any]] ?? []
    }

    @Test func anEmptyEnterBackAWrongIINAnAgeAndAMismatchAreForgivenAndTheDocumentIsRecordedMasked() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        Self.simulator.attach(phone, alreadyPaired: true)
        defer { Self.simulator.detach(udid: phone.udid) }
        let (agent, dir) = try Self.intake(phone, "--language", "en")

        // An empty Enter asks the same question again.
        let first = try #require(agent.nextPrompt(), "\(agent.text)")
        #expect(first.hasSuffix("[y/n]: "), "\(first)")
        agent.type("")
        #expect(agent.nextPrompt() == first, "\(agent.text)")
        #expect(agent.text.contains("Nothing was typed"))
        // `back` returns to the previous question.
        agent.type("y")
        let second = try #require(agent.nextPrompt(), "\(agent.text)")
        #expect(second != first)
        agent.type("back")
        #expect(agent.nextPrompt() == first, "\(agent.text)")
        agent.type("y")
        #expect(agent.nextPrompt() == second, "\(agent.text)")
        agent.type("y")

        _ = try Self.answerChecklist(agent, yes: "y", offer: "Customer accepts")
        agent.type("y")
        #expect(agent.nextPrompt()?.contains("Holder's full name") == true, "\(agent.text)")
        agent.type("Айгерим Сапарова")
        #expect(agent.nextPrompt()?.contains("IIN") == true, "\(agent.text)")
        // A mistyped IIN is refused as it is typed; the IIN alone is asked again, the name is kept.
        agent.type("900101300008")
        #expect(agent.nextPrompt()?.contains("IIN (12 digits") == true, "\(agent.text)")
        #expect(agent.text.contains("control) digit does not match"), "\(agent.text)")
        agent.type("900101300007")
        #expect(agent.nextPrompt()?.contains("Birth date") == true, "\(agent.text)")
        #expect(agent.text.contains("IIN: 90010130****"), "\(agent.text)")
        // An age outside 21-68 is refused as it is typed; the birth date alone is asked again.
        agent.type("2010-01-01")
        #expect(agent.nextPrompt()?.contains("Birth date") == true, "\(agent.text)")
        #expect(agent.text.contains("and the program is open from 21"), "\(agent.text)")
        // A birth date the IIN does not encode: the warning the rules call for, and a confirmation.
        agent.type("01.02.1990")
        #expect(agent.nextPrompt()?.contains("same document?") == true, "\(agent.text)")
        #expect(agent.text.contains("the IIN encodes the birth date 1990-01-01 but the document says 1990-02-01"), "\(agent.text)")
        agent.type("y")
        #expect(agent.nextPrompt()?.contains("document number") == true, "\(agent.text)")
        agent.type("N12345678")

        #expect(agent.exitStatus() == 0, "\(agent.text)")
        #expect(agent.text.contains("Document number: N123*****"), "\(agent.text)")
        // What was typed for the IIN and the document is never echoed in full.
        #expect(!agent.text.contains("900101300007"), "\(agent.text)")
        #expect(!agent.text.contains("N12345678"), "\(agent.text)")

        // The registry records the document beside the IIN; listings and the audit log show it masked.
        let listed = try await Self.certificates(in: dir)
        try #require(listed.count == 1, "\(listed)")
        #expect(listed[0]["holder_document"] as? String == "N123*****")
        let queue = try DatabaseQueue(path: dir.appendingPathComponent("registry.sqlite").path)
        let stored = try await queue.read { db in
            (try String.fetchOne(db, sql: "SELECT holder_document FROM certificate"),
             try String.fetchAll(db, sql: "SELECT coalesce(detail, '') || coalesce(reason, '') FROM audit"))
        }
        #expect(stored.0 == "N12345678")
        #expect(stored.1.contains { $0.contains("document N123*****") }, "\(stored.1)")
        #expect(!stored.1.contains { $0.contains("N12345678") || $0.contains("900101300007") }, "\(stored.1)")
    }

    @Test func inKazakhAPhoneUnpluggedAtTheLastQuestionGetsNoCertificate() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        Self.simulator.attach(phone, alreadyPaired: true)
        var attached = true
        defer { if attached { Self.simulator.detach(udid: phone.udid) } }
        // No --language: the locale says Kazakh.
        let (agent, dir) = try Self.intake(phone, environment: ["LANG": "kk_KZ.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""])

        let first = try #require(agent.nextPrompt(), "\(agent.text)")
        #expect(first.hasSuffix("[и/ж]: "), "\(first)")
        // The checklist's own Kazakh labels.
        #expect(Checklist.definitions.contains { first.contains($0.label.kk) }, "\(first)")
        _ = try Self.answerChecklist(agent, yes: "иә", offer: "келісе ме")
        agent.type("и")
        #expect(agent.nextPrompt()?.contains("Иесінің аты-жөні") == true, "\(agent.text)")
        agent.type("Нұрлан Әбенов")
        #expect(agent.nextPrompt()?.contains("ЖСН") == true, "\(agent.text)")
        agent.type("851231450018")
        #expect(agent.nextPrompt()?.contains("Туған күні") == true, "\(agent.text)")
        agent.type("1985-12-31")
        #expect(agent.nextPrompt()?.contains("Құжат нөмірі") == true, "\(agent.text)")

        // Unplugged while the last question waits: the question ends, the session is cancelled.
        Self.simulator.detach(udid: phone.udid)
        attached = false
        #expect(agent.waitFor("Телефон ажыратылды"), "\(agent.text)")
        #expect(agent.exitStatus() == 1, "\(agent.text)")
        #expect(try await Self.certificates(in: dir).isEmpty)
    }

    @Test func whatThePhoneDidNotGiveIsAskedAndChecked() async throws {
        var phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        phone.imei = []
        phone.totalDiskCapacity = 1  // no marketed size explains it: the storage is unknown
        Self.simulator.attach(phone, alreadyPaired: true)
        defer { Self.simulator.detach(udid: phone.udid) }
        let (agent, dir) = try Self.intake(phone, "--language", "ru")

        #expect(agent.nextPrompt()?.contains("Объём памяти") == true, "\(agent.text)")
        agent.type("100")  // not a size the iPhone 11 was sold with
        #expect(agent.nextPrompt()?.contains("Объём памяти") == true, "\(agent.text)")
        #expect(agent.text.contains("Эта модель продавалась с объёмом"), "\(agent.text)")
        agent.type("128 ГБ")
        #expect(agent.nextPrompt()?.contains("IMEI") == true, "\(agent.text)")
        agent.type("352094117788998")  // the Luhn check digit is wrong
        #expect(agent.nextPrompt()?.contains("IMEI") == true, "\(agent.text)")
        #expect(agent.text.contains("контрольной цифрой"), "\(agent.text)")
        agent.type("35 209411 778899 9")

        _ = try Self.answerChecklist(agent, yes: "д", offer: "Клиент согласен")
        // Back from the offer to the last checklist answer, then on again.
        agent.type("назад")
        let reasked = try #require(agent.nextPrompt(), "\(agent.text)")
        #expect(!reasked.contains("Клиент согласен"), "\(reasked)")
        agent.type("д")
        #expect(agent.nextPrompt()?.contains("Клиент согласен") == true, "\(agent.text)")
        agent.type("да")
        #expect(agent.nextPrompt()?.contains("ФИО") == true, "\(agent.text)")
        // Back from the holder's name to the offer.
        agent.type("назад")
        #expect(agent.nextPrompt()?.contains("Клиент согласен") == true, "\(agent.text)")
        agent.type("д")
        #expect(agent.nextPrompt()?.contains("ФИО") == true, "\(agent.text)")
        agent.type("Нұрлан Әбенов")
        _ = agent.nextPrompt()
        agent.type("851231450018")
        _ = agent.nextPrompt()
        agent.type("1985-12-31")
        _ = agent.nextPrompt()
        agent.type("012345678")
        #expect(agent.exitStatus() == 0, "\(agent.text)")

        let listed = try await Self.certificates(in: dir)
        try #require(listed.count == 1, "\(listed)")
        #expect(listed[0]["device_key"] as? String == "imei:352094117788999")
    }

    @Test func aManualIntakeAsksForTheModelAgainUntilTheCatalogKnowsIt() async throws {
        let dir = try Self.tempDir()
        let agent = try TerminalAgent(
            ["intake", "--data-dir", dir.path, "--manual", "--store", "ALA-MEGA2", "--language", "en"],
            environment: Self.environment)
        #expect(agent.nextPrompt()?.contains("Device model") == true, "\(agent.text)")
        agent.type("Zzyzx Phone 9000")
        #expect(agent.nextPrompt()?.contains("Device model") == true, "\(agent.text)")
        #expect(agent.text.contains("The catalog has no such model"), "\(agent.text)")
        agent.type("AirPods Pro 2")
        #expect(agent.nextPrompt()?.contains("Serial number") == true, "\(agent.text)")
        agent.type("H2XK7L9PQ1")
        let next = try #require(agent.nextPrompt(), "\(agent.text)")
        #expect(next.hasSuffix("[y/n]: "), "the checklist follows: \(next)")
    }

    // MARK: - In process: the session looks for the phone once more before issuing

    @Test func aPhoneGoneWithoutAnEventIsFoundGoneJustBeforeIssuing() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        Self.simulator.attach(phone, alreadyPaired: true)
        let dir = try Self.tempDir()
        let station = try Station(dataDirectory: dir)
        let context = IntakeContext(
            appraiser: Appraiser(catalog: try Catalog.loadDefault()), stores: try StoreList.loadDefault(),
            issuer: station.issuer, blocklist: Blocklist(dataDirectory: dir), storeID: "ALA-MEGA2", consultant: "e2e")
        var answers = IntakeSessionTests.answers()
        answers.holder = nil
        let reader = IOSReader(udid: phone.udid, logger: Logger(label: "e2e"))
        let session = IntakeSession(source: .device(reader), context: context)
        // The phone leaves while the holder's details are typed, and nobody tells the session.
        let outcome = await session.run(answers: answers, ask: { question, current in
            guard case .holder = question else { return nil }
            Self.simulator.detach(udid: phone.udid)
            var more = current
            more.holder = .init(name: "Нұрлан Әбенов", iin: "851231450018", birthDate: CivilDate(year: 1985, month: 12, day: 31)!, documentNumber: "N2")
            return more
        })
        #expect(outcome.state == .cancelled, "\(outcome.reasons)")
        #expect(outcome.certificate == nil)
        #expect(try await station.registry.list(CertificateFilter()).isEmpty)
    }
}
