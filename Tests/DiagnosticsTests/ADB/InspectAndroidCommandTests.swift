// SPDX-License-Identifier: Apache-2.0
//
// `intake-agent inspect --adb-tcp` end to end: the built binary in a child process, its ADB key in a temporary
// data directory, against a simulated phone in this process.

import DeviceSimulators
import Diagnostics
import Foundation
import Testing

@Suite struct InspectAndroidCommandTests {
    struct Report: Decodable {
        struct Model: Decodable { let identifier: String?; let name: String?; let brand: String? }
        struct Locks: Decodable { let passcode_set: Bool?; let accounts: [String]?; let frp_armed: Bool? }
        struct Battery: Decodable { let health_percent: Int?; let cycle_count: Int? }
        let platform: String
        let serial: String?
        let model: Model
        let imei: [String]?
        let storage_gb: Int?
        let pairing: String
        let locks: Locks
        let battery: Battery?
        let advice: String?
    }

    private func agent(_ arguments: [String], dataDir: URL) throws -> (status: Int32, out: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["INTAKE_AGENT_DATA_DIR"] = dataDir.path
        return try ADBTestSupport.runProcess(USBTestbed.agentBinary(), ["inspect"] + arguments, environment: environment, timeout: 60)
    }

    @Test func authorizedPhoneGivesTheContractWithTheCatalogName() async throws {
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        // The agent finds the key it made earlier in its data directory; the phone already trusts it.
        let key = try ADBKey.loadOrCreate(in: dataDir)
        try await ADBTestSupport.withSimulator(.samsungS10, auth: .trusting([key.publicKeyText])) { _, port in
            let result = try agent(["--adb-tcp", "127.0.0.1:\(port)", "--json"], dataDir: dataDir)
            #expect(result.status == 0)
            let report = try JSONDecoder().decode(Report.self, from: Data(result.out.utf8))
            #expect(report.platform == "android")
            #expect(report.pairing == "authorized")
            #expect(report.model.identifier == "SM-G973F")
            #expect(report.model.name != nil)
            #expect(report.serial == "R58M42ABCDE")
            #expect(report.imei == ["357098101234568", "357098101234576"])
            #expect(report.storage_gb == 128)
            #expect(report.locks.frp_armed == true)
            #expect(report.locks.passcode_set == true)
            #expect(report.battery?.cycle_count == 412)
            #expect(report.advice == nil)
        }
    }

    @Test func readableOutputNamesTheTradeInFacts() async throws {
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let key = try ADBKey.loadOrCreate(in: dataDir)
        try await ADBTestSupport.withSimulator(.samsungS10, auth: .trusting([key.publicKeyText])) { _, port in
            let result = try agent(["--adb-tcp", "127.0.0.1:\(port)"], dataDir: dataDir)
            #expect(result.status == 0)
            for line in ["Android 12", "IMEI            357098101234568, 357098101234576", "Passcode        set",
                         "Accounts        com.google, com.osp.app.signin", "FRP             will arm (a Google account is signed in)",
                         "Battery         85 % health, 412 cycles (2890 of 3400 mAh)", "Bootloader      locked",
                         "Root indicators none", "Security patch  2024-03-01"] {
                #expect(result.out.contains(line), "\(result.out)")
            }
        }
    }

    @Test func firstUseCreatesTheKeyAndAnUnallowedPhoneExitsOne() async throws {
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        try await ADBTestSupport.withSimulator(.xiaomiRedmiNote10, auth: .trusting([], onNewKey: .never)) { simulator, port in
            let result = try agent(["--adb-tcp", "127.0.0.1:\(port)", "--allow-wait", "0"], dataDir: dataDir)
            #expect(result.status == 1)
            #expect(result.out.contains("tap Allow"))
            let key = try String(contentsOf: dataDir.appendingPathComponent("adbkey.pub"), encoding: .utf8)
            #expect(!simulator.isTrusted(key))
            let attributes = try FileManager.default.attributesOfItem(atPath: dataDir.appendingPathComponent("adbkey").path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }

    @Test(arguments: ["phone", "127.0.0.1:", ":5555", "127.0.0.1:99999"])
    func badAddressIsRefusedInOneSentence(_ address: String) throws {
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let result = try agent(["--adb-tcp", address], dataDir: dataDir)
        #expect(result.status == 1)
        #expect(result.out.contains("--adb-tcp takes HOST:PORT"))
    }
}
