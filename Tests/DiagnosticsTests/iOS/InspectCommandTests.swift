// SPDX-License-Identifier: Apache-2.0
//
// `intake-agent inspect` end to end: the built binary in a child process, pointed at a simulator of its own with
// USBMUXD_SOCKET_ADDRESS, read through the real libimobiledevice.

import DeviceSimulators
import Foundation
import Testing

@Suite("intake-agent inspect on iPhones and iPads")
struct InspectCommandTests {
    struct Report: Decodable {
        struct Model: Decodable { let identifier: String?; let name: String?; let brand: String? }
        struct Locks: Decodable {
            let activation_state: String?; let find_my: Bool?; let passcode_set: Bool?; let accounts: [String]?; let mdm: Bool?
        }
        struct Battery: Decodable { let health_percent: Int?; let cycle_count: Int?; let full_charge_capacity_mah: Int? }
        let platform: String
        let serial: String?
        let model: Model
        let os_version: String?
        let imei: [String]?
        let storage_gb: Int?
        let pairing: String
        let locks: Locks
        let battery: Battery?
        let advice: String?
    }

    private func inspect(_ arguments: [String], simulator: USBMuxSimulator) throws -> IOSToolResult {
        try IOSToolRunner.run(USBTestbed.agentBinary(), ["inspect"] + arguments, socketAddress: simulator.socketAddress)
    }

    @Test("a paired iPhone gives the design.md contract, with the catalog's name, and exit 0")
    func pairedJSON() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let device = SimulatedIOSDevice.cleanIPhone11
        simulator.attach(device, alreadyPaired: true)
        let result = try inspect(["--udid", device.udid.replacingOccurrences(of: "-", with: ""), "--json"], simulator: simulator)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.platform == "ios")
        #expect(report.serial == "DX3VK1ABN70F")
        #expect(report.model.identifier == "iPhone12,1")
        #expect(report.model.name == "iPhone 11")
        #expect(report.model.brand == "Apple")
        #expect(report.os_version == "17.5.1")
        #expect(report.imei == ["352094117788999"])
        #expect(report.storage_gb == 128)
        #expect(report.pairing == "paired")
        #expect(report.locks.activation_state == "Activated")
        #expect(report.locks.find_my == false)
        #expect(report.locks.passcode_set == false)
        #expect(report.locks.accounts == nil)
        #expect(report.locks.mdm == false)
        #expect(report.battery?.health_percent == 85)
        #expect(report.battery?.cycle_count == 412)
        #expect(report.battery?.full_charge_capacity_mah == 2650)
        #expect(result.stdout.contains("\"accounts\" : null"))
    }

    @Test("--serial finds a device by its Apple serial number among several, and the readable output names the facts")
    func bySerial() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        simulator.attach(.cleanIPhone11, alreadyPaired: true)
        simulator.attach(.oldIPhone7, alreadyPaired: true)
        let result = try inspect(["--serial", "c39sk1abhg7f"], simulator: simulator)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Apple iPhone 7 (iPhone9,3), iOS 15.8.2"), "\(result.stdout)")
        #expect(result.stdout.contains("Find My         reported off: confirm on the phone"))
        #expect(result.stdout.contains("Battery         76 % health, 902 cycles (1503 of 1960 mAh)"))
        #expect(result.stdout.contains("Storage         32 GB"))
    }

    @Test("an iPhone waiting for Trust prints its public identity and the pairing state, says what to do, exits 1")
    func awaitingTrust() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        simulator.attach(.neverTrusts)
        let result = try inspect(["--json"], simulator: simulator)
        #expect(result.status == 1)
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.pairing == "awaiting_trust")
        #expect(report.model.name == "iPhone 11")
        #expect(report.serial == nil)
        #expect(report.battery == nil)
        #expect(result.stderr == "intake-agent: Unlock the phone and tap Trust on the \"Trust This Computer?\" dialog.\n")
    }

    @Test("refusals are one sentence and exit 1", arguments: [
        (["--udid", "00008030-0000000000000000"], "No iPhone or iPad with UDID 00008030-0000000000000000 is connected"),
        ([], "2 iPhones or iPads are connected: choose one with --udid or --serial."),
    ])
    func refusals(arguments: [String], sentence: String) throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        simulator.attach(.cleanIPhone11, alreadyPaired: true)
        simulator.attach(.iPadAir4, alreadyPaired: true)
        let result = try inspect(arguments, simulator: simulator)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("intake-agent: " + sentence), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a battery service that never answers ends inspect at its deadline with the facts read and exit 1")
    func serviceNeverAnswers() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        simulator.attach(.cleanIPhone11, misbehaviour: .serviceNeverAnswers(service: "com.apple.mobile.diagnostics_relay"), alreadyPaired: true)
        // The step deadline (10 s) ends the read; the thread blocked in libimobiledevice is abandoned and does not
        // hold the process's exit.
        let result = try inspect(["--json"], simulator: simulator)
        #expect(result.status == 1)
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.serial == "DX3VK1ABN70F")
        #expect(report.storage_gb == 128)
        #expect(report.battery == nil)
        #expect(result.stderr == "intake-agent: The device stopped answering while reading its battery (com.apple.mobile.diagnostics_relay): unplug it, plug it back in and read it again.\n")
    }

    @Test("a USBMUXD_SOCKET_ADDRESS libusbmuxd would silently ignore is named instead of reporting no phone")
    func ignoredAddress() throws {
        let result = try IOSToolRunner.run(USBTestbed.agentBinary(), ["inspect"], socketAddress: "/tmp/usbmuxd-bare-path")
        #expect(result.status == 1)
        #expect(result.stderr == "intake-agent: USBMUXD_SOCKET_ADDRESS is \"/tmp/usbmuxd-bare-path\", which libusbmuxd ignores: write UNIX:/path/to/socket or 127.0.0.1:PORT.\n")
    }

    @Test("no usbmuxd running means no iOS devices, not an error of its own")
    func noUSBMuxd() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("no-usbmuxd-\(UUID().uuidString)")
        let result = try IOSToolRunner.run(
            USBTestbed.agentBinary(), ["inspect"], socketAddress: "UNIX:" + directory.appendingPathComponent("usbmuxd").path)
        #expect(result.status == 1)
        #expect(result.stderr == "intake-agent: No phone is connected: plug one in (unlocked), or list the devices with `intake-agent devices`.\n")
    }
}
