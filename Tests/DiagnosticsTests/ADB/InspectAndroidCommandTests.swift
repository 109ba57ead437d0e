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
        struct Locks: Decodable { let passcode_set: Bool?; let accounts: [String]?; let frp_armed: Bool?; let mdm: Bool? }
        struct Battery: Decodable { let health_percent: Int?; let cycle_count: Int? }
        let os_version: String?
        let details: [String: String]?
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

    /// Every release's phone through the built binary: the IMEIs in slot order, storage, MDM, and the JSON's nulls.
    struct Expected: Sendable, CustomTestStringConvertible {
        let profile: ADBDeviceProfile
        let imei: [String]?
        let storage: Int?
        let mdm: Bool?
        let osVersion: String?
        var testDescription: String { profile.name }
    }

    @Test(arguments: [
        Expected(profile: .huaweiP30Lite, imei: ["868801050123456", "868801050123464"], storage: 128, mdm: false, osVersion: "9"),
        Expected(profile: .samsungA50, imei: ["352900110123457", "352900110123465"], storage: 64, mdm: false, osVersion: "10"),
        Expected(profile: .onePlus8T, imei: ["863529070123454", "863529070123462"], storage: 128, mdm: false, osVersion: "11"),
        Expected(profile: .xiaomiRedmiNote10, imei: ["864532055512344", "864532055512351"], storage: 64, mdm: false, osVersion: "13"),
        Expected(profile: .xiaomi13T, imei: ["861045030123452", "861045030123460"], storage: 256, mdm: false, osVersion: "14"),
        Expected(profile: .samsungA54, imei: ["354712100123456", "354712100123464"], storage: 128, mdm: true, osVersion: "14"),
    ])
    func everyReleaseThroughTheBinary(_ c: Expected) async throws {
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let key = try ADBKey.loadOrCreate(in: dataDir)
        try await ADBTestSupport.withSimulator(c.profile, auth: .trusting([key.publicKeyText])) { _, port in
            let result = try agent(["--adb-tcp", "127.0.0.1:\(port)", "--json"], dataDir: dataDir)
            #expect(result.status == 0, "\(result.out)")
            let report = try JSONDecoder().decode(Report.self, from: Data(result.out.utf8))
            #expect(report.imei == c.imei)
            #expect(report.storage_gb == c.storage)
            #expect(report.locks.mdm == c.mdm)
            #expect(report.os_version == c.osVersion)
            #expect(report.pairing == "authorized")
            #expect(report.advice == nil)
        }
    }

    @Test func tradeInModeThroughTheBinary() async throws {
        let dataDir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        try await ADBTestSupport.withSimulator(.pixel9TradeIn) { _, port in
            let result = try agent(["--adb-tcp", "127.0.0.1:\(port)", "--json"], dataDir: dataDir)
            #expect(result.status == 0, "\(result.out)")
            let report = try JSONDecoder().decode(Report.self, from: Data(result.out.utf8))
            #expect(report.pairing == "trade_in_mode")
            #expect(report.model.identifier == "Pixel 9")
            #expect(report.imei == ["358240050123454", "358240050123462"])
            #expect(report.storage_gb == 128)
            #expect(report.locks.frp_armed == false)
            #expect(report.locks.mdm == nil)
            #expect(report.locks.accounts == nil)
            #expect(report.battery?.health_percent == 91)
            #expect(report.battery?.cycle_count == 212)
            #expect(report.os_version == nil)
            #expect(report.details?["launch_level"] == "34")
            #expect(report.details?["factory_reset_protection"] == "inactive")
        }
        try await ADBTestSupport.withSimulator(.pixel8TradeInFRP) { _, port in
            // An incomplete read a consultant must act on exits 1, after the report, with the advice on stderr.
            let json = try agent(["--adb-tcp", "127.0.0.1:\(port)", "--json"], dataDir: dataDir)
            #expect(json.status == 1, "\(json.out)")
            let object = try #require(json.out.range(of: "\n}").map { String(json.out[..<$0.upperBound]) })
            let report = try JSONDecoder().decode(Report.self, from: Data(object.utf8))
            #expect(report.pairing == "trade_in_mode")
            #expect(report.locks.frp_armed == true)
            #expect(report.imei == nil && report.storage_gb == nil && report.battery == nil && report.os_version == nil)
            #expect(report.advice?.contains("Factory reset protection is on") == true)
            let readable = try agent(["--adb-tcp", "127.0.0.1:\(port)"], dataDir: dataDir)
            #expect(readable.out.contains("FRP             on (the phone is locked to its previous owner's Google account)"), "\(readable.out)")
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
