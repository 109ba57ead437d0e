// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import Testing

/// The Samsung modem read through a real tty (a pseudo-terminal the simulated firmware holds), the way the agent
/// opens `/dev/ttyACM0`.
@Suite(.serialized) struct SamsungModemTests {
    @Test func shippingFirmwareGivesIdentityAndLocks() async throws {
        let modem = try SamsungModemSimulator(.galaxyA54)
        defer { modem.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        let report = try await SamsungModemReader.read(tty: modem.ttyPath)
        #expect(clock.now - start < .seconds(1))
        #expect(report.platform == .android)
        #expect(report.pairing == .noDebugging)
        #expect(report.model == .init(identifier: "SM-A546B", brand: "samsung"))
        #expect(report.serial == "R5CW20ABCDE")
        #expect(report.imei == ["354712100123456"])
        #expect(report.osVersion == nil && report.storageGB == nil && report.battery == nil)
        #expect(report.locks == .init(networkLock: .unlocked, reactivationLock: false))
        #expect(report.sources == [
            "model.identifier": "AT+DEVCONINFO", "model.brand": "AT+DEVCONINFO", "serial": "AT+DEVCONINFO",
            "imei": "AT+IMEINUM", "locks.network_lock": "AT+DEVCONINFO", "locks.reactivation_lock": "AT+REACTIVE=1,0,0",
        ])
        #expect(report.details == [
            "source": "samsung_modem", "firmware": "A546BXXS8CXK1/A546BOXM8CXK1/A546BXXS8CXK1/A546BXXS8CXK1", "csc": "SKZ",
            "sim_lock": "none", "reactivation_lock": "off",
            "modem_answered": "AT+DEVCONINFO,AT+IMEINUM,AT+REACTIVE=1,0,0",
        ])
        #expect(report.advice == "Read from the Samsung modem: turn on USB debugging to read the rest.")
        // Only the four information commands went to the phone, none of the FRP-bypass functions.
        #expect(modem.commandsReceived == SamsungAT.readCommands)
    }

    @Test func reactivationLockOnIsReported() async throws {
        var phone = SamsungModemSimulator.Phone.galaxyA54
        phone.reactivationLocked = true
        phone.simLock = "NETWORK"
        let modem = try SamsungModemSimulator(phone)
        defer { modem.stop() }
        let report = try await SamsungModemReader.read(tty: modem.ttyPath)
        #expect(report.details?["reactivation_lock"] == "on")
        #expect(report.details?["sim_lock"] == "network")
        #expect(report.locks.reactivationLock == true)
        #expect(report.locks.networkLock == .network)
    }

    /// Firmware that answers `AT+SVCIFPGM=1,4`: its LOCK stands over DEVCONINFO's NONE (the locked answer wins), and
    /// a value Samsung's words do not cover stays raw, the lock unknown.
    @Test func networkLockFromSVCIFPGM() async throws {
        var phone = SamsungModemSimulator.Phone.galaxyA54
        phone.networkLockAnswer = "LOCK"
        let locked = try SamsungModemSimulator(phone)
        defer { locked.stop() }
        let report = try await SamsungModemReader.read(tty: locked.ttyPath)
        #expect(report.locks.networkLock == .network)
        #expect(report.sources?["locks.network_lock"] == "AT+SVCIFPGM=1,4")
        #expect(report.details?["network_lock_reply"] == "LOCK")
        #expect(report.details?["modem_answered"] == "AT+DEVCONINFO,AT+IMEINUM,AT+SVCIFPGM=1,4,AT+REACTIVE=1,0,0")

        #expect(SamsungAT.networkLock(.init(lines: ["+SVCIFPGM:1,4,UNLOCK"], ok: true))?.lock == .unlocked)
        #expect(SamsungAT.networkLock(.init(lines: ["+SVCIFPGM:1,4,07"], ok: true))?.lock == nil)
        #expect(SamsungAT.networkLock(.init(lines: ["+SVCIFPGM:1,4,07"], ok: true))?.raw == "07")
        #expect(SamsungAT.networkLock(.init(lines: ["+SVCIFPGM:1"], ok: true)) == nil)
        let report2 = SamsungAT.report(
            replies: ["AT+DEVCONINFO": SamsungAT.Reply(lines: ["+DEVCONINFO: MN(SM-A546B);LOCK(SIM)"], ok: true),
                      "AT+SVCIFPGM=1,4": SamsungAT.Reply(lines: ["+SVCIFPGM:1,4,UNLOCK"], ok: true)],
            usbSerial: nil)
        // DEVCONINFO's SIM lock is not undone by an UNLOCK elsewhere.
        #expect(report2.locks.networkLock == .sim)
        #expect(report2.sources?["locks.network_lock"] == "AT+DEVCONINFO")
    }

    @Test func silentModemTimesOutPerCommandWithNothingGuessed() async throws {
        let modem = try SamsungModemSimulator(behavior: .silent)
        defer { modem.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        let report = try await SamsungModemReader.read(tty: modem.ttyPath, commandTimeout: .milliseconds(150), usbSerial: "R5CW20ABCDE")
        #expect(clock.now - start < .seconds(2))
        #expect(report.serial == "R5CW20ABCDE")
        #expect(report.model.identifier == nil && report.imei == nil)
        #expect(report.details == ["source": "samsung_modem", "modem_answered": "none"])
    }

    @Test func garbageGivesNoFacts() async throws {
        let modem = try SamsungModemSimulator(behavior: .garbage)
        defer { modem.stop() }
        let report = try await SamsungModemReader.read(tty: modem.ttyPath, commandTimeout: .milliseconds(150))
        #expect(report.model.identifier == nil)
        #expect(report.imei == nil)
        #expect(report.serial == nil)
        #expect(report.details?["modem_answered"] == "none")
    }

    @Test func aMissingTtyIsOneSentence() async throws {
        let error = await #expect(throws: DiagnosticsError.self) {
            _ = try await SamsungModemReader.read(tty: "/dev/nonexistent-ttyACM9")
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("/dev/nonexistent-ttyACM9") == true)
        #expect((error?.underlying as? POSIXError)?.code == .ENOENT)
    }

    /// `intake-agent inspect --samsung-modem TTY --json`, the built binary in a child process.
    @Test func inspectThroughTheBinary() async throws {
        struct Report: Decodable {
            struct Model: Decodable { let identifier: String? }
            let model: Model
            let imei: [String]?
            let pairing: String
            let serial: String?
            let details: [String: String]?
        }
        let modem = try SamsungModemSimulator(.galaxyA54)
        defer { modem.stop() }
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        var environment = ProcessInfo.processInfo.environment
        environment["INTAKE_AGENT_DATA_DIR"] = dataDir.path
        let result = try ADBTestSupport.runProcess(
            USBTestbed.agentBinary(), ["inspect", "--samsung-modem", modem.ttyPath, "--json"], environment: environment, timeout: 30)
        #expect(result.status == 0, "\(result.out)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.out.utf8))
        #expect(report.model.identifier == "SM-A546B")
        #expect(report.imei == ["354712100123456"])
        #expect(report.serial == "R5CW20ABCDE")
        #expect(report.pairing == "no_debugging")
        #expect(report.details?["source"] == "samsung_modem")

        let silent = try SamsungModemSimulator(behavior: .silent)
        defer { silent.stop() }
        let none = try ADBTestSupport.runProcess(
            USBTestbed.agentBinary(), ["inspect", "--samsung-modem", silent.ttyPath], environment: environment, timeout: 30)
        #expect(none.status == 1)
        #expect(none.out.contains("did not answer; turn on USB debugging"), "\(none.out)")
    }

    @Test func replyParsers() throws {
        let reply = try #require(SamsungAT.reply("AT+IMEINUM\r\r\n+IMEINUM: 354712100123456\r\n\r\nOK\r\n", to: "AT+IMEINUM"))
        #expect(SamsungAT.imei(reply) == "354712100123456")
        #expect(SamsungAT.reply("\r\n+IMEINUM:354712100123456\r\n", to: "AT+IMEINUM") == nil)  // not finished yet
        let error = try #require(SamsungAT.reply("\r\n+CME ERROR: 4\r\n", to: "AT+REACTIVE=1,0,0"))
        #expect(!error.ok && SamsungAT.reactivationLock(error) == nil)
        #expect(SamsungAT.imei(SamsungAT.Reply(lines: ["+IMEINUM:354712100123457"], ok: true)) == nil)  // Luhn
        #expect(SamsungAT.devconinfo(SamsungAT.Reply(lines: ["+DEVCONINFO: MN(SM-G973F);VER(G973FXXU);SN();LOCK(SIM)"], ok: true))
            == ["MN": "SM-G973F", "VER": "G973FXXU", "LOCK": "SIM"])
    }
}
