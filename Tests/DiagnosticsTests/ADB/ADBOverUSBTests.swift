// SPDX-License-Identifier: Apache-2.0
//
// ADB over emulated USB: the built `intake-agent` runs inside the umockdev testbed, opens the emulated Samsung
// through the real libusb, claims its ff/42/01 interface and speaks our ADB engine over the bulk endpoints,
// which usb_testbed.py bridges to the simulated adbd in this process (`framing: adb`: each message's header
// and payload as separate IN transfers, as adbd sends them over USB).

import DeviceSimulators
import Diagnostics
import Foundation
import Testing

@Suite(.serialized) struct ADBOverUSBTests {
    struct Report: Decodable {
        struct Model: Decodable { let identifier: String?; let brand: String? }
        struct Locks: Decodable { let passcode_set: Bool?; let frp_armed: Bool? }
        struct Battery: Decodable { let cycle_count: Int?; let health_percent: Int? }
        let platform: String
        let serial: String?
        let model: Model
        let imei: [String]?
        let storage_gb: Int?
        let pairing: String
        let locks: Locks
        let battery: Battery?
        let advice: String?
        let details: [String: String]?
    }

    /// A testbed with the root hub, a data directory holding the agent's key, and a simulated phone trusting it.
    func withBench(
        _ profile: ADBDeviceProfile, latency: Duration = .zero,
        _ body: (USBTestbed, URL, ADBDeviceSimulator, UInt16) async throws -> Void
    ) async throws {
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let key = try ADBKey.loadOrCreate(in: dataDir)
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try await ADBTestSupport.withSimulator(profile, auth: .trusting([key.publicKeyText]), latency: latency) { simulator, port in
            try await body(bed, dataDir, simulator, port)
        }
    }

    @Test func inspectBySerialReadsThePhoneOverUSB() async throws {
        try await withBench(.samsungS10) { bed, dataDir, _, port in
            try bed.plug(.samsung, id: "phone", at: "1-4", devnum: 9)
            try bed.send(["op": "bridge", "id": "phone", "out": 0x03, "in": 0x85, "tcp": "127.0.0.1:\(port)", "framing": "adb"])
            let result = try bed.runAgent(["inspect", "--serial", "R58M123ABCD", "--json", "--data-dir", dataDir.path])
            #expect(result.status == 0, "\(result.output)")
            let report = try JSONDecoder().decode(Report.self, from: Data(result.output.utf8))
            #expect(report.platform == "android")
            #expect(report.pairing == "authorized")
            #expect(report.model.identifier == "SM-G973F")
            #expect(report.serial == "R58M42ABCDE")
            #expect(report.imei == ["357098101234568", "357098101234576"])
            #expect(report.storage_gb == 128)
            #expect(report.locks.frp_armed == true)
            #expect(report.battery?.cycle_count == 412)
            #expect(report.details?["transport"] == "usb")
        }
    }

    @Test func phoneWithoutDebuggingIsReportedFromItsDescriptors() async throws {
        try await withBench(.samsungS10) { bed, dataDir, _, _ in
            try bed.plug(.samsungNoDebug, id: "phone", at: "1-5", devnum: 10)
            let result = try bed.runAgent(["inspect", "--serial", "R58M123ABCE", "--json", "--data-dir", dataDir.path])
            #expect(result.status == 1)
            let json = String(result.output.drop { $0 != "{" })
            let report = try JSONDecoder().decode(Report.self, from: Data(json.utf8))
            #expect(report.pairing == "no_debugging")
            #expect(report.serial == "R58M123ABCE")
            #expect(report.details?["usb_id"] == "04e8:6860")
            #expect(report.advice?.contains("Build number 7 times") == true)
        }
    }

    static let twoPhonesName = "twoPhonesAtOnceOverUSBWithZeroLengthPackets"

    /// Two phones on the hub read at once through the engine itself (this test bundle re-run inside the testbed),
    /// and a command whose OPEN payload is exactly one 512-byte packet, so the transport must end it with a
    /// zero-length packet.
    @Test func twoPhonesAtOnceOverUSBWithZeroLengthPackets() async throws {
        if let child = TestbedChild.current {
            try await Self.twoPhonesChildSide(child.values)
            return
        }
        try await withBench(.samsungS10, latency: .milliseconds(30)) { bed, dataDir, _, samsung in
            let key = try ADBKey.loadOrCreate(in: dataDir)
            try await ADBTestSupport.withSimulator(.xiaomiRedmiNote10, auth: .trusting([key.publicKeyText]), latency: .milliseconds(30)) { _, xiaomi in
                try bed.plug(.pixel(serial: "USB-A"), id: "a", at: "1-7", devnum: 12)
                try bed.plug(.pixel(serial: "USB-B"), id: "b", at: "1-8", devnum: 13)
                try bed.send(["op": "bridge", "id": "a", "out": 0x01, "in": 0x81, "tcp": "127.0.0.1:\(samsung)", "framing": "adb"])
                try bed.send(["op": "bridge", "id": "b", "out": 0x01, "in": 0x81, "tcp": "127.0.0.1:\(xiaomi)", "framing": "adb"])
                let child = try bed.startTestInside(Self.twoPhonesName, values: ["KEYDIR": dataDir.path])
                let output = child.readAll(timeout: 60)
                #expect(child.waitForExit(timeout: 30) == 0, "\(output)")
                #expect(output.contains("TESTBED-CHILD: USB-A SM-G973F authorized, USB-B M2101K7AG authorized"), "\(output)")
                #expect(output.contains("TESTBED-CHILD: zero-length packet ok"), "\(output)")
            }
        }
    }

    static func twoPhonesChildSide(_ values: [String: String]) async throws {
        let key = try ADBKey.loadOrCreate(in: URL(fileURLWithPath: try #require(values["KEYDIR"])))
        let usb = try LibUSBContext()
        defer { usb.shutdown() }
        let phones = try await usb.devices().filter { $0.kind == .androidADB }.sorted { ($0.serial ?? "") < ($1.serial ?? "") }
        try #require(phones.count == 2)
        let reports = try await withThrowingTaskGroup(of: (String, DeviceReport).self) { group in
            for phone in phones {
                group.addTask {
                    let transport = try ADBUSBTransport(context: usb, device: phone)
                    defer { transport.close() }
                    return (phone.serial ?? "?", try await AndroidReader.inspect(over: transport, key: key, usbSerial: phone.serial))
                }
            }
            return try await group.reduce(into: [String: DeviceReport]()) { $0[$1.0] = $1.1 }
        }
        let summary = reports.keys.sorted().map { "\($0) \(reports[$0]?.model.identifier ?? "-") \(reports[$0]?.pairing.rawValue ?? "-")" }
        TestbedChild.say(summary.joined(separator: ", "))

        // "shell,v2,raw:" (13) + "echo " (5) + 493 characters + NUL = 512 bytes.
        let transport = try ADBUSBTransport(context: usb, device: phones[0])
        defer { transport.close() }
        let connection = try await ADBConnection.connect(over: transport, key: key)
        defer { connection.close() }
        let word = String(repeating: "z", count: 493)
        let result = try await connection.shell("echo " + word, timeout: .seconds(10))
        if result.text == word + "\n" { TestbedChild.say("zero-length packet ok") }
    }

    @Test func unplugMidCommandEndsTheReadWithOneSentence() async throws {
        // Each shell takes 2 s to start, so the phone is unplugged while the agent waits for its answers.
        try await withBench(.samsungS10, latency: .seconds(2)) { bed, dataDir, _, port in
            try bed.plug(.samsung, id: "phone", at: "1-6", devnum: 11)
            try bed.send(["op": "bridge", "id": "phone", "out": 0x03, "in": 0x85, "tcp": "127.0.0.1:\(port)", "framing": "adb"])
            let agent = try ChildProcess(
                executable: USBTestbed.agentBinary(), arguments: ["inspect", "--serial", "R58M123ABCD", "--data-dir", dataDir.path],
                environment: bed.environment, mergingStandardError: true)
            defer { agent.stop() }
            try await Task.sleep(for: .milliseconds(1200))
            try bed.unplug("phone")
            let output = agent.readAll(timeout: 30)
            #expect(agent.waitForExit(timeout: 30) == 1)
            #expect(output.contains("The device was unplugged in the middle of the read: plug it back in and read it again."), "\(output)")
        }
    }
}
