// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import GRDB
import IntakeStore
import Testing

/// `intake-agent erase` and `erasure list|show|verify` as a bench script runs them: the real libimobiledevice
/// against the usbmuxd/lockdownd simulator (which serves MCInstall), our ADB engine against the simulated adbd in
/// Trade-In Mode, the real SQLite registry.
@Suite("Erasure at the counter")
struct EraseCommandTests {
    static let simulator = USBMuxSimulator.processShared
    static let iin = "900101300007"

    var environment: [String: String] { ["USBMUXD_SOCKET_ADDRESS": Self.simulator.socketAddress] }

    /// A certificate for `phone` (its serial and IMEIs) in a fresh data directory.
    func certified(_ phone: SimulatedIOSDevice, bench: BenchCLI) async throws -> String {
        let run = try await bench.issue(imei: phone.imei, serial: phone.serialNumber)
        #expect(run.status == 0, "\(run.stderr)")
        return try BenchCLI.number(run)
    }

    /// Plugs `phone` in (paired with this bench, as the intake left it) and certifies it in a fresh data directory.
    func pluggedAndCertified(_ phone: SimulatedIOSDevice) async throws -> (BenchCLI, String) {
        Self.simulator.attach(phone, alreadyPaired: true)
        let bench = try BenchCLI()
        return (bench, try await certified(phone, bench: bench))
    }

    func erase(_ arguments: [String], bench: BenchCLI, environment: [String: String]? = nil) async throws -> AgentBinary.Run {
        try await AgentBinary.run(["erase"] + arguments + ["--data-dir", bench.dataDir.path], environment: environment ?? self.environment)
    }

    static func json(_ run: AgentBinary.Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "stdout: \(run.stdout) stderr: \(run.stderr)")
    }

    /// Runs SQL on the registry file behind the agent's back, as a person with the `sqlite3` shell would.
    static func execute(_ path: String, _ statements: [String]) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.inDatabase { db in for sql in statements { try db.execute(sql: sql) } }
    }

    static func erasureTriggers(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'erasure'")
        }
    }

    /// The erasure rows as stored, every column as text.
    func storedRows(_ bench: BenchCLI) throws -> [String] {
        try DatabaseQueue(path: bench.directory.path(SQLiteRegistry.fileName)).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM erasure").map { row in
                row.columnNames.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: " ")
            }
        }
    }

    // MARK: - iPhone

    @Test func anAcknowledgedEraseThatComesBackUnactivatedIsErasedAndVerifiable() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.erases(rebootDelay: .milliseconds(300)))
        let (bench, number) = try await pluggedAndCertified(phone)
        defer { Self.simulator.detach(udid: phone.udid) }

        let run = try await erase(["--udid", phone.udid, "--certificate", number, "--yes", "--json"], bench: bench)
        #expect(run.status == 0, "\(run.stderr)")
        let record = try Self.json(run)
        #expect(record["status"] as? String == "erased")
        #expect(record["certificate"] as? String == number)
        #expect(record["number"] as? String == number + "-E1")
        #expect(record["method"] as? String == "ios_mcinstall_erase_device")
        #expect(record["sanitization"] as? String == "purge")
        let verification = try #require(record["verification"] as? [String: Any])
        let byDevice = try #require(verification["by_device"] as? [String])
        #expect(byDevice.contains { $0.contains("ActivationState Unactivated") }, "\(byDevice)")
        #expect(byDevice.contains { $0.contains("refused this bench's pair record") }, "\(byDevice)")
        #expect(byDevice.contains { $0.contains("Find My") }, "\(byDevice)")
        #expect((verification["by_consultant_only"] as? [String])?.first?.contains("--yes") == true)
        // The simulated phone was asked exactly what go-ios and pymobiledevice3 ask, once.
        let stats = Self.simulator.statistics(udid: phone.udid)
        #expect(stats.requests["Flush"] == 1)
        #expect(stats.requests["EraseDevice"] == 1)
        #expect(stats.eraseRequests == [["PreserveDataPlan": true, "DisallowProximitySetup": true]])

        // Its QR payload verifies offline; show and list find it; the full IIN is nowhere.
        let payload = try #require(record["qr_payload"] as? String)
        let verify = try await bench.run(["erasure", "verify", payload])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("genuine"), "\(verify.stdout)")
        let show = try await bench.run(["erasure", "show", number + "-E1"])
        #expect(show.status == 0, "\(show.stderr)")
        let list = try await bench.run(["erasure", "list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let text = try await bench.run(["erasure", "show", number + "-E1", "--json"])
        // The second slip: bilingual, the result, the device, its QR code; on a printer (a file here) as ESC/POS.
        let slip = try await bench.run(["erasure", "print", number + "-E1", "--width", "32"])
        #expect(slip.status == 0, "\(slip.stderr)")
        for wanted in ["АКТ СТИРАНИЯ ДАННЫХ", "ДАННЫЕ СТЁРТЫ", "№ \(number)-E1", "S/N:", phone.serialNumber, "Purge", "QR:"] {
            #expect(slip.stdout.contains(wanted), "\(wanted): \(slip.stdout)")
        }
        #expect(slip.stdout.split(separator: "\n").allSatisfy { $0.count <= 32 }, "\(slip.stdout)")
        let printer = bench.directory.path("lp0")
        let printed = try await bench.run(["erasure", "print", number + "-E1", "--format", "escpos", "--output", printer])
        #expect(printed.status == 0, "\(printed.stderr)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: printer)))
        #expect(bytes.starts(with: [0x1B, 0x40]), "ESC @ first")
        #expect((0..<max(0, bytes.count - 2)).contains { bytes[$0..<$0 + 3] == [0x1D, 0x28, 0x6B] }, "GS ( k: the printer draws the QR code")
        for output in [run.stdout, run.stderr, verify.stdout, show.stdout, list.stdout, text.stdout, slip.stdout] + (try storedRows(bench)) {
            #expect(!output.contains(Self.iin), "the full IIN leaked: \(output)")
        }
        #expect(try storedRows(bench).count == 1)
        // A second erase of an erased device is refused before the device is touched.
        let again = try await erase(["--udid", phone.udid, "--certificate", number, "--yes"], bench: bench)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already erased"), "\(again.stderr)")
    }

    @Test func twoPhonesErasingAtOnceOnOneBenchAreEachErasedAndRecorded() async throws {
        let first = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.erases(rebootDelay: .milliseconds(400)))
        let second = SimulatedIOSDevice.oldIPhone7.withFreshIdentity().withErase(.erases(rebootDelay: .milliseconds(100))).withSessionSSL()
        let (bench, firstNumber) = try await pluggedAndCertified(first)
        defer { Self.simulator.detach(udid: first.udid) }
        Self.simulator.attach(second, alreadyPaired: true)
        defer { Self.simulator.detach(udid: second.udid) }
        let secondNumber = try await certified(second, bench: bench)

        async let a = erase(["--udid", first.udid, "--certificate", firstNumber, "--yes", "--json"], bench: bench)
        async let b = erase(["--udid", second.udid, "--certificate", secondNumber, "--yes", "--json"], bench: bench)
        let (runA, runB) = try await (a, b)
        #expect(runA.status == 0, "\(runA.stderr)")
        #expect(runB.status == 0, "\(runB.stderr)")
        #expect(try Self.json(runA)["certificate"] as? String == firstNumber)
        #expect(try Self.json(runB)["certificate"] as? String == secondNumber)
        #expect(try storedRows(bench).count == 2)
    }

    @Test func findMyOnSendsNothingAndRecordsTheDeviceNotErased() async throws {
        let phone = SimulatedIOSDevice.findMyWithPasscode.withFreshIdentity()
        let (bench, number) = try await pluggedAndCertified(phone)
        defer { Self.simulator.detach(udid: phone.udid) }

        let run = try await erase(["--udid", phone.udid, "--certificate", number, "--yes", "--json"], bench: bench)
        #expect(run.status == 1)
        let record = try Self.json(run)
        #expect(record["status"] as? String == "not_erased")
        #expect((record["reason"] as? String)?.contains("Find My is on") == true, "\(record)")
        #expect(Self.simulator.statistics(udid: phone.udid).requests["EraseDevice"] == nil)
        #expect(Self.simulator.statistics(udid: phone.udid).requests["Flush"] == nil)
        // The certificate stays valid.
        let verify = try await bench.run(["certificate", "verify", number])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func aCommandFormatErrorIsNotErasedWithItsSentence() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.refuses(status: "CommandFormatError"))
        let (bench, number) = try await pluggedAndCertified(phone)
        defer { Self.simulator.detach(udid: phone.udid) }

        let run = try await erase(["--udid", phone.udid, "--certificate", number, "--yes", "--json"], bench: bench)
        #expect(run.status == 1)
        let record = try Self.json(run)
        #expect(record["status"] as? String == "not_erased")
        #expect((record["reason"] as? String)?.contains("Status CommandFormatError") == true, "\(record)")
        #expect(run.stderr.contains("not erased"), "\(run.stderr)")
        #expect(Self.simulator.attachedUDIDs.contains(phone.udid), "a refusing phone stays plugged in")
    }

    @Test func aDeviceThatNeverComesBackIsErasedUnverified() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.neverReturns)
        let (bench, number) = try await pluggedAndCertified(phone)
        defer { Self.simulator.detach(udid: phone.udid) }

        let run = try await erase(["--udid", phone.udid, "--certificate", number, "--yes", "--json", "--return-timeout", "2"], bench: bench)
        #expect(run.status == 1)
        let record = try Self.json(run)
        #expect(record["status"] as? String == "erased_unverified")
        #expect((record["reason"] as? String)?.contains("did not come back") == true, "\(record)")
        #expect(Self.simulator.statistics(udid: phone.udid).requests["EraseDevice"] == 1)
    }

    @Test func anEraseInterruptedWhileWaitingIsStillRecorded() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.neverReturns)
        let (bench, number) = try await pluggedAndCertified(phone)
        defer { Self.simulator.detach(udid: phone.udid) }
        let process = Process()
        process.executableURL = try AgentBinary.url()
        process.arguments = ["erase", "--udid", phone.udid, "--certificate", number, "--yes", "--return-timeout", "120", "--data-dir", bench.dataDir.path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Once the phone has taken the request and gone, the consultant stops the agent (Ctrl-C).
        let deadline = Date().addingTimeInterval(30)
        while Self.simulator.statistics(udid: phone.udid).requests["EraseDevice"] == nil || Self.simulator.attachedUDIDs.contains(phone.udid),
            Date() < deadline
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(500))
        kill(process.processIdentifier, SIGINT)
        let stopped = Date().addingTimeInterval(20)
        while process.isRunning, Date() < stopped { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning, "SIGINT ends the wait")
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1)
        let list = try await bench.run(["erasure", "list", "--json"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(records.count == 1)
        #expect(records.first?["status"] as? String == "erased_unverified")
        #expect((records.first?["reason"] as? String)?.contains("interrupted") == true, "\(records)")
        let show = try await bench.run(["certificate", "show", number, "--json"])
        #expect(show.stdout.contains("erasure.started"), "the audit log has the erase before it was sent")
        #expect(show.stdout.contains("erasure.recorded"))
    }

    @Test func aPhoneThatComesBackStillActivatedIsNotErased() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.returnsStillActivated(rebootDelay: .milliseconds(200)))
        let (bench, number) = try await pluggedAndCertified(phone)
        defer { Self.simulator.detach(udid: phone.udid) }

        let run = try await erase(["--udid", phone.udid, "--certificate", number, "--yes", "--json"], bench: bench)
        #expect(run.status == 1)
        let record = try Self.json(run)
        #expect(record["status"] as? String == "not_erased", "\(record)")
        #expect((record["reason"] as? String)?.contains("still Activated") == true, "\(record)")
    }

    @Test func anotherDeviceThanTheCertificatesIsRefusedAndNothingIsSent() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        Self.simulator.attach(phone, alreadyPaired: true)
        defer { Self.simulator.detach(udid: phone.udid) }
        let bench = try BenchCLI()
        let other = try await bench.issue(imei: ["353251098765433"], serial: "C39SK1ABHG7F")
        let number = try BenchCLI.number(other)

        let run = try await erase(["--udid", phone.udid, "--certificate", number, "--yes"], bench: bench)
        #expect(run.status == 1)
        #expect(run.stderr.contains("is not the device of certificate \(number)"), "\(run.stderr)")
        #expect(Self.simulator.statistics(udid: phone.udid).requests["EraseDevice"] == nil)
        #expect(try storedRows(bench).isEmpty)
    }

    @Test func aVoidedCertificateIsRefused() async throws {
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        let (bench, number) = try await pluggedAndCertified(phone)
        defer { Self.simulator.detach(udid: phone.udid) }
        let void = try await bench.run(["certificate", "void", number, "--reason", "customer changed their mind"])
        #expect(void.status == 0, "\(void.stderr)")

        let run = try await erase(["--udid", phone.udid, "--certificate", number, "--yes"], bench: bench)
        #expect(run.status == 1)
        #expect(run.stderr.contains("is void"), "\(run.stderr)")
        #expect(Self.simulator.statistics(udid: phone.udid).requests["EraseDevice"] == nil)
        #expect(try storedRows(bench).isEmpty)
    }

    @Test func withoutYesAndWithoutATerminalTheEraseIsRefused() async throws {
        let bench = try BenchCLI()
        let run = try await erase(["--certificate", "ALA-2611-7KA2B3-X"], bench: bench)
        #expect(run.status == 1)
        #expect(run.stderr.contains("--yes"), "\(run.stderr)")
    }

    // MARK: - Tampering

    @Test func aTamperedErasureRecordFailsShowAndVerify() async throws {
        let phone = SimulatedIOSDevice.findMyWithPasscode.withFreshIdentity()
        let (bench, number) = try await pluggedAndCertified(phone)
        defer { Self.simulator.detach(udid: phone.udid) }
        let run = try await erase(["--udid", phone.udid, "--certificate", number, "--yes", "--json"], bench: bench)
        let payload = try #require(try Self.json(run)["qr_payload"] as? String)
        let recordNumber = number + "-E1"

        // The guards refuse an edit; with them dropped, the edit goes through and the signature catches it.
        let path = bench.directory.path(SQLiteRegistry.fileName)
        #expect(throws: (any Error).self) { try Self.execute(path, ["UPDATE erasure SET status = 'erased'"]) }
        let triggers = try Self.erasureTriggers(path)
        #expect(triggers.count == 4)
        try Self.execute(path, triggers.map { "DROP TRIGGER \($0)" } + ["UPDATE erasure SET status = 'erased', reason = ''"])
        let show = try await bench.run(["erasure", "show", recordNumber])
        #expect(show.status == 1)
        #expect(show.stderr.contains("ALTERED"), "\(show.stderr)")
        let verify = try await bench.run(["erasure", "verify", recordNumber])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("FAILS verification"), "\(verify.stderr)")
        let list = try await bench.run(["erasure", "list"])
        #expect(list.stdout.contains("ALTERED"), "\(list.stdout)")

        // A payload with one character changed does not verify either (or is not a payload at all).
        var characters = Array(payload)
        let index = characters.count / 2
        characters[index] = characters[index] == "A" ? "B" : "A"
        let forged = try await bench.run(["erasure", "verify", String(characters)])
        #expect(forged.status == 1)
        #expect(!forged.stdout.contains("genuine"))
    }

    // MARK: - Android in Trade-In Mode

    @Test func aTradeInModePhoneIsEvaluatedWipedAndVerifiedOnItsReturn() async throws {
        let simulator = ADBDeviceSimulator(.init(
            profile: .pixel9TradeIn, auth: .disabled, reboot: .init(delay: .milliseconds(300), returns: true)))
        let port = try simulator.listen()
        defer { simulator.stop() }
        let (bench, number) = try await BenchCLI.certifiedAndroid(serial: "4A021FDAQ00123", imei: ["358240050123454"])

        let run = try await erase(["--adb-tcp", "127.0.0.1:\(port)", "--certificate", number, "--yes", "--json"], bench: bench)
        #expect(run.status == 0, "\(run.stderr)")
        let record = try Self.json(run)
        #expect(record["status"] as? String == "erased", "\(record)")
        #expect(record["method"] as? String == "android_trade_in_evaluate")
        let byDevice = try #require((record["verification"] as? [String: Any])?["by_device"] as? [String])
        #expect(byDevice.contains { $0.contains("persist.adb.tradeinmode 2") }, "\(byDevice)")
        #expect(byDevice.contains { $0.contains("came back in ADB Trade-In Mode") }, "\(byDevice)")
        // evaluate ran once, only in this explicit step, and the phone was rebooted to wipe.
        #expect(simulator.servicesRequested.filter { $0.hasSuffix("tradeinmode evaluate") }.count == 1)
        #expect(simulator.servicesRequested.contains("reboot:"))
        #expect(simulator.reboots == 1)
        let verify = try await bench.run(["erasure", "verify", try #require(record["qr_payload"] as? String)])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func aTradeInModePhoneWithFRPOnIsNotErased() async throws {
        let simulator = ADBDeviceSimulator(.init(profile: .pixel8TradeInFRP, auth: .disabled))
        let port = try simulator.listen()
        defer { simulator.stop() }
        let (bench, number) = try await BenchCLI.certifiedAndroid(serial: "38021FDH2000KZ", imei: [])
        let run = try await erase(["--adb-tcp", "127.0.0.1:\(port)", "--certificate", number, "--yes", "--json"], bench: bench)
        #expect(run.status == 1)
        let record = try Self.json(run)
        #expect(record["status"] as? String == "not_erased")
        #expect((record["reason"] as? String)?.contains("Factory reset protection") == true, "\(record)")
        #expect(!simulator.servicesRequested.contains { $0.hasSuffix("tradeinmode evaluate") })
    }
}
