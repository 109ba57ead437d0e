// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import Testing

/// A Samsung with USB debugging off found on the bus and read through its modem without naming the tty: the real
/// libusb under umockdev lists the phone, the agent finds the tty cdc_acm made of its modem interface in sysfs
/// (`1-2:1.1/tty/ttyACM0`), and umockdev's pseudo-terminal for `/dev/ttyACM0` is relayed to the simulated firmware.
@Suite(.serialized) struct SamsungModemDiscoveryTests {
    struct Line: Decodable {
        let port_path: String
        let kind: String
        let modem: Report?
    }
    struct Report: Decodable {
        struct Model: Decodable { let identifier: String?; let name: String?; let brand: String? }
        struct Locks: Decodable {
            let network_lock: String?
            let reactivation_lock: Bool?
            let sim_state: [String]?
            let frp_armed: Bool?
            let accounts: [String]?
        }
        let platform: String
        let serial: String?
        let model: Model
        let os_version: String?
        let imei: [String]?
        let storage_gb: Int?
        let pairing: String
        let locks: Locks
        let battery: [String: Int?]?
        let details: [String: String]?
        let advice: String?
        let sources: [String: String]?
    }
    struct List: Decodable { let devices: [Line] }

    /// A bench with one debugging-off Samsung at 1-2 whose modem answers as `modem` does.
    func withSamsung<T>(_ modem: SamsungModemSimulator, device: EmulatedDevice = .samsungNoDebug, _ body: (USBTestbed) throws -> T) throws -> T {
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try bed.plug(device, id: "phone", at: "1-2", devnum: 5)
        try bed.send(["op": "modem", "id": "phone", "interface": "1-2:1.1", "tty": "ttyACM0", "relay": modem.ttyPath])
        return try body(bed)
    }

    func devices(_ bed: USBTestbed) throws -> [Line] {
        let (status, output) = try bed.runAgent(["devices", "--json"])
        #expect(status == 0, "\(output)")
        return try JSONDecoder().decode(List.self, from: Data(output.utf8)).devices
    }

    @Test func devicesShowsTheModelAndIMEIFromTheModem() throws {
        let modem = try SamsungModemSimulator(.galaxyA54)
        defer { modem.stop() }
        try withSamsung(modem) { bed in
            let lines = try devices(bed)
            #expect(lines.map(\.port_path) == ["1-2"])
            #expect(lines.first?.kind == "android-no-debug")
            let report = try #require(lines.first?.modem)
            #expect(report.platform == "android")
            #expect(report.pairing == "no_debugging")
            #expect(report.model.identifier == "SM-A546B")
            #expect(report.model.brand != nil)
            #expect(report.imei == ["354712100123456"])
            #expect(report.serial == "R5CW20ABCDE")
            // What the modem does not say stays null.
            #expect(report.os_version == nil && report.storage_gb == nil && report.battery == nil)
            #expect(report.locks.frp_armed == nil && report.locks.accounts == nil && report.locks.sim_state == nil)
            #expect(report.locks.network_lock == "unlocked")
            #expect(report.locks.reactivation_lock == false)
            #expect(report.details?["source"] == "samsung_modem")
            #expect(report.sources == [
                "model.identifier": "AT+DEVCONINFO", "model.brand": "AT+DEVCONINFO", "serial": "AT+DEVCONINFO",
                "imei": "AT+IMEINUM", "locks.network_lock": "AT+DEVCONINFO", "locks.reactivation_lock": "AT+REACTIVE=1,0,0",
            ])
            #expect(report.advice == "Read from the Samsung modem: turn on USB debugging to read the rest.")
            // Only the four information commands went to the phone.
            #expect(modem.commandsReceived == SamsungAT.readCommands)

            // The readable list: the phone's row, then what its modem said.
            let table = try bed.runAgent(["devices"])
            #expect(table.status == 0)
            let rows = table.output.split(separator: "\n").map(String.init)
            #expect(rows.count == 3, "\(table.output)")
            #expect(rows.last?.contains("modem: model ") == true, "\(table.output)")
            #expect(rows.last?.contains("SM-A546B") == true)
            #expect(rows.last?.contains("IMEI 354712100123456, serial R5CW20ABCDE, carrier lock none, Reactivation Lock off") == true)
            #expect(rows.last?.hasSuffix("turn on USB debugging to read the rest.") == true)

            // inspect picks the only phone and reads it the same way.
            let inspect = try bed.runAgent(["inspect", "--json"])
            #expect(inspect.status == 0, "\(inspect.output)")
            let inspected = try JSONDecoder().decode(Report.self, from: Data(inspect.output.utf8))
            #expect(inspected.model.identifier == "SM-A546B")
            #expect(inspected.imei == ["354712100123456"])
            #expect(inspected.sources?["imei"] == "AT+IMEINUM")
        }
    }

    @Test func aModemOnlySamsungIsReadToo() throws {
        var phone = SamsungModemSimulator.Phone.galaxyA54
        phone.simLock = "NETWORK"
        phone.reactivationLocked = true
        let modem = try SamsungModemSimulator(phone)
        defer { modem.stop() }
        try withSamsung(modem, device: .samsungModem) { bed in
            let report = try #require(try devices(bed).first?.modem)
            #expect(report.model.identifier == "SM-A546B")
            #expect(report.locks.network_lock == "network")
            #expect(report.locks.reactivation_lock == true)
            let table = try bed.runAgent(["devices"])
            #expect(table.output.contains("carrier lock network, Reactivation Lock on"), "\(table.output)")
        }
    }

    @Test func aModemThatNeverAnswersLeavesEveryFactNull() throws {
        let modem = try SamsungModemSimulator(behavior: .silent)
        defer { modem.stop() }
        try withSamsung(modem) { bed in
            let report = try #require(try devices(bed).first?.modem)
            #expect(report.model.identifier == nil && report.imei == nil)
            // The USB serial is what is known, marked as such.
            #expect(report.serial == "R58M123ABCE")
            #expect(report.sources == ["serial": "usb_descriptor"])
            #expect(report.locks.network_lock == nil && report.locks.reactivation_lock == nil)
            #expect(report.details == ["source": "samsung_modem", "modem_answered": "none"])
            #expect(report.advice == "Read from the Samsung modem: turn on USB debugging to read the rest.")
            // inspect fails with what to do.
            let inspect = try bed.runAgent(["inspect"])
            #expect(inspect.status == 1)
        }
    }

    @Test func aModemAnsweringGarbageGivesNoFacts() throws {
        let modem = try SamsungModemSimulator(behavior: .garbage)
        defer { modem.stop() }
        try withSamsung(modem) { bed in
            let report = try #require(try devices(bed).first?.modem)
            #expect(report.model.identifier == nil && report.imei == nil)
            #expect(report.locks.network_lock == nil)
            #expect(report.details?["modem_answered"] == "none")
        }
    }

    /// `intake` picks the reader the daemon gives a debugging-off phone (AndroidADBReader's descriptors link): it
    /// reads the modem too, names the phone from it and stops with the advice.
    @Test func theIntakeOfADebuggingOffSamsungReadsItsModem() throws {
        let modem = try SamsungModemSimulator(.galaxyA54)
        defer { modem.stop() }
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        try withSamsung(modem) { bed in
            let child = try ChildProcess(
                executable: try USBTestbed.agentBinary(),
                arguments: ["intake", "--serial", "R58M123ABCE", "--data-dir", dataDir.path, "--store", "ALA-MEGA2", "--language", "en"],
                environment: bed.environment, mergingStandardError: true)
            let output = child.readAll(timeout: 60)
            #expect(child.waitForExit(timeout: 30) == 1, "\(output)")
            #expect(output.contains("Identified: Samsung Galaxy A54"), "\(output)")
            #expect(output.contains("turn on USB debugging to read the rest"), "\(output)")
            #expect(modem.commandsReceived == SamsungAT.readCommands)
        }
    }

    /// With USB debugging on, ADB reads the phone: its modem is left alone.
    @Test func aSamsungWithDebuggingOnIsNotAskedThroughItsModem() throws {
        let modem = try SamsungModemSimulator(.galaxyA54)
        defer { modem.stop() }
        try withSamsung(modem, device: .samsung) { bed in
            let lines = try devices(bed)
            #expect(lines.first?.kind == "android-adb")
            #expect(lines.first?.modem == nil)
            #expect(modem.commandsReceived.isEmpty)
        }
    }
}
