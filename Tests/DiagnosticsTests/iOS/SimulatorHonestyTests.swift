// SPDX-License-Identifier: Apache-2.0
//
// The usbmuxd/lockdownd simulator checked against the real libimobiledevice command-line clients, so it speaks
// the protocol as real peers do and not only as our reader expects.

import DeviceSimulators
import Foundation
import Testing

@Suite("usbmuxd simulator against the real ideviceinfo")
struct SimulatorHonestyTests {
    @Test("idevice_id lists attached devices, with the UDID's dash restored")
    func listsDevices() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        simulator.attach(.cleanIPhone11)
        simulator.attach(.oldIPhone7)
        let result = try IOSToolRunner.run("idevice_id", ["-l", "-d"], socketAddress: simulator.socketAddress)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let udids = Set(result.stdout.split(separator: "\n").map(String.init))
        #expect(udids == [SimulatedIOSDevice.cleanIPhone11.udid, SimulatedIOSDevice.oldIPhone7.udid])
    }

    @Test("ideviceinfo -s reads the public identity without pairing")
    func publicIdentity() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let device = SimulatedIOSDevice.cleanIPhone11
        simulator.attach(device)
        let result = try IOSToolRunner.run("ideviceinfo", ["-s", "-u", device.udid], socketAddress: simulator.socketAddress)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ProductType: iPhone12,1"))
        #expect(result.stdout.contains("UniqueDeviceID: \(device.udid)"))
        #expect(!result.stdout.contains("SerialNumber"))
        #expect(!simulator.hasPairRecord(udid: device.udid))
    }

    @Test("idevicepair pairs, then ideviceinfo and idevicediagnostics read through a session")
    func pairedReads() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let device = SimulatedIOSDevice.cleanIPhone11
        simulator.attach(device)
        let pair = try IOSToolRunner.run("idevicepair", ["-u", device.udid, "pair"], socketAddress: simulator.socketAddress)
        #expect(pair.status == 0, "\(pair.stdout) \(pair.stderr)")
        #expect(simulator.hasPairRecord(udid: device.udid))
        let serial = try IOSToolRunner.run(
            "ideviceinfo", ["-u", device.udid, "-k", "SerialNumber"], socketAddress: simulator.socketAddress)
        #expect(serial.stdout == device.serialNumber + "\n", "\(serial.stderr)")
        let disk = try IOSToolRunner.run(
            "ideviceinfo", ["-u", device.udid, "-q", "com.apple.disk_usage", "-k", "TotalDiskCapacity"],
            socketAddress: simulator.socketAddress)
        #expect(disk.stdout == "\(device.totalDiskCapacity)\n")
        let battery = try IOSToolRunner.run(
            "idevicediagnostics", ["-u", device.udid, "ioregentry", "AppleSmartBattery"], socketAddress: simulator.socketAddress)
        #expect(battery.status == 0, "\(battery.stdout) \(battery.stderr)")
        #expect(battery.stdout.contains("<key>NominalChargeCapacity</key>"))
        #expect(battery.stdout.contains("<integer>2650</integer>"))
    }

    @Test("idevicepair reports each answer of the Trust dialog", arguments: [
        (SimulatedIOSDevice.neverTrusts, "Please accept the trust dialog"),
        (SimulatedIOSDevice.passcodeLocked, "passcode"),
        (SimulatedIOSDevice.deniesTrust, "denied"),
    ])
    func trustAnswers(device: SimulatedIOSDevice, message: String) throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        simulator.attach(device)
        let pair = try IOSToolRunner.run("idevicepair", ["-u", device.udid, "pair"], socketAddress: simulator.socketAddress)
        #expect(pair.status != 0)
        #expect((pair.stdout + pair.stderr).localizedCaseInsensitiveContains(message), "\(pair.stdout) \(pair.stderr)")
        #expect(!simulator.hasPairRecord(udid: device.udid))
    }
}
