// SPDX-License-Identifier: Apache-2.0
//
// One device locator: `inspect` and `intake` find the same phone for the same --udid or --serial.

import DeviceSimulators
import Foundation
import Testing

@Suite("inspect and intake find the same device")
struct DeviceLocatorTests {
    static func bench() throws -> (USBMuxSimulator, SimulatedIOSDevice, SimulatedIOSDevice) {
        let simulator = try USBMuxSimulator.start()
        let eleven = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        let seven = SimulatedIOSDevice.oldIPhone7.withFreshIdentity()
        simulator.attach(eleven, alreadyPaired: true)
        simulator.attach(seven, alreadyPaired: true)
        return (simulator, eleven, seven)
    }

    /// The ways design.md says --serial may name the iPhone 7: its Apple serial number in any case, its UDID
    /// with or without the dash (the old-format UDID has none).
    static func spellings(_ phone: SimulatedIOSDevice) -> [String] {
        [phone.serialNumber, phone.serialNumber.lowercased(), phone.udid, phone.udid.replacingOccurrences(of: "-", with: "").uppercased()]
    }

    @Test("--serial by Apple serial number or UDID picks the same phone in inspect and in intake")
    func sameDeviceForEverySpelling() async throws {
        let (simulator, _, seven) = try Self.bench()
        defer { simulator.stop() }
        let environment = ["USBMUXD_SOCKET_ADDRESS": simulator.socketAddress]
        for wanted in Self.spellings(seven) {
            let inspect = try await AgentBinary.run(["inspect", "--serial", wanted, "--json"], environment: environment)
            #expect(inspect.status == 0, "inspect --serial \(wanted): \(inspect.stderr)")
            #expect(inspect.stdout.contains("\"identifier\" : \"iPhone9,3\""), "inspect --serial \(wanted)")

            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("locator-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            // No answers: the session reads the phone and stops at the checklist, naming the model it read.
            let answers = dir.appendingPathComponent("answers.json")
            try Data(#"{"store": "ALA-MEGA2"}"#.utf8).write(to: answers)
            let intake = try await AgentBinary.run(
                ["intake", "--data-dir", dir.path, "--serial", wanted, "--answers", answers.path, "--json"], environment: environment)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(intake.stdout.utf8)) as? [String: Any], "\(intake.stderr)")
            let report = try #require(json["report"] as? [String: Any])
            #expect((report["model"] as? [String: Any])?["identifier"] as? String == "iPhone9,3", "intake --serial \(wanted)")
        }
    }

    @Test("two iPhones and nothing named: both commands say so in the same sentence", arguments: ["inspect", "intake"])
    func ambiguous(command: String) async throws {
        let (simulator, _, _) = try Self.bench()
        defer { simulator.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("locator-\(UUID().uuidString)")
        let run = try await AgentBinary.run(
            [command, "--data-dir", dir.path] + (command == "intake" ? ["--store", "ALA-MEGA2"] : []), environment: ["USBMUXD_SOCKET_ADDRESS": simulator.socketAddress])
        #expect(run.status == 1)
        #expect(run.stderr == "intake-agent: 2 iPhones or iPads are connected: choose one with --udid or --serial.\n")
    }
}
