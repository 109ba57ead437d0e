// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Testing

/// Every fact of every simulated phone, read through the real ADB engine over TCP.
@Suite struct AndroidFactsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let profile: ADBDeviceProfile
        let expected: DeviceReport
        var testDescription: String { profile.name }
    }

    static let cases: [Case] = [
        Case(profile: .samsungS10, expected: DeviceReport(
            platform: "android", serial: "R58M42ABCDE", model: .init(identifier: "SM-G973F", brand: "samsung"),
            osVersion: "12", imei: ["357098101234568", "357098101234576"], storageGB: 64 * 2, pairing: "authorized",
            locks: .init(passcodeSet: true, accounts: ["com.google", "com.osp.app.signin"], frpArmed: true),
            battery: .init(healthPercent: 85, cycleCount: 412, designCapacityMAh: 3400, fullChargeCapacityMAh: 2890,
                           levelPercent: 64, temperatureC: 29.6),
            details: ["transport": "tcp", "manufacturer": "samsung", "device": "beyond1", "android_sdk": "31",
                      "security_patch": "2024-03-01", "bootloader": "locked", "verified_boot_state": "green",
                      "oem_unlock_allowed": "false", "root_indicators": "none", "battery_health": "good",
                      "build_fingerprint": "samsung/beyond1ltexx/beyond1:12/SP1A.210812.016/G973FXXUGHWB3:user/release-keys"])),
        Case(profile: .xiaomiRedmiNote10, expected: DeviceReport(
            platform: "android", serial: "a1b2c3d4", model: .init(identifier: "M2101K7AG", brand: "Redmi"),
            osVersion: "13", imei: ["864532055512344", "864532055512351"], storageGB: 64, pairing: "authorized",
            locks: .init(passcodeSet: false, accounts: [], frpArmed: false),
            battery: .init(healthPercent: 94, cycleCount: 187, designCapacityMAh: 5000, fullChargeCapacityMAh: 4712,
                           levelPercent: 91, temperatureC: 27.4),
            details: ["transport": "tcp", "manufacturer": "Xiaomi", "device": "mojito", "android_sdk": "33",
                      "security_patch": "2024-01-01", "bootloader": "locked", "verified_boot_state": "green",
                      "oem_unlock_allowed": "true", "root_indicators": "none", "battery_health": "good"])),
        Case(profile: .pixel8TradeIn, expected: DeviceReport(
            platform: "android", serial: "38021FDH2000KZ", model: .init(identifier: "Pixel 8", brand: "google"),
            osVersion: "15", imei: ["352814098765439"], storageGB: 128, pairing: "trade_in_mode",
            locks: .init(frpArmed: false),
            battery: .init(healthPercent: 94, cycleCount: 143),
            details: ["transport": "tcp", "manufacturer": "Google", "device": "shiba", "trade_in_mode": "true"])),
        Case(profile: .huaweiP20Lite, expected: DeviceReport(
            platform: "android", serial: "7MLNW18A12004567", model: .init(identifier: "ANE-LX1", brand: "HUAWEI"),
            osVersion: "8.0.0", imei: ["867341031245673"], storageGB: 64, pairing: "authorized",
            locks: .init(passcodeSet: nil, accounts: ["com.huawei.hwid"], frpArmed: false),
            battery: .init(healthPercent: nil, cycleCount: 803, designCapacityMAh: 3000, fullChargeCapacityMAh: nil,
                           levelPercent: 38, temperatureC: 31.2),
            details: ["transport": "tcp", "manufacturer": "HUAWEI", "device": "HWANE", "android_sdk": "26",
                      "security_patch": "2019-06-01", "bootloader": "locked", "verified_boot_state": "green",
                      "root_indicators": "none", "battery_health": "good"])),
    ]

    @Test(arguments: cases)
    func readsEveryFact(_ c: Case) async throws {
        let report = try await ADBTestSupport.withSimulator(c.profile) { _, port in
            try await ADBTestSupport.inspect(port: port)
        }
        #expect(report.platform == c.expected.platform)
        #expect(report.serial == c.expected.serial)
        #expect(report.model == c.expected.model)
        #expect(report.osVersion == c.expected.osVersion)
        #expect(report.imei == c.expected.imei)
        #expect(report.storageGB == c.expected.storageGB)
        #expect(report.pairing == c.expected.pairing)
        #expect(report.locks == c.expected.locks)
        #expect(report.battery == c.expected.battery)
        #expect(report.details == c.expected.details)
        #expect(report.advice == nil)
    }

    /// Few round trips: a full read opens five shell streams (getprop, then the IMEI calls; accounts and lock;
    /// battery, root and storage; trade-in status), whatever the number of facts.
    @Test func fullReadOpensFiveStreams() async throws {
        try await ADBTestSupport.withSimulator(.samsungS10) { simulator, port in
            _ = try await ADBTestSupport.inspect(port: port)
            #expect(simulator.streamsOpened == 5)
        }
    }

    @Test func rootIndicatorsAreReported() async throws {
        var rooted = ADBDeviceProfile.xiaomiRedmiNote10
        rooted.name = "rooted-xiaomi"
        rooted.files["/system/xbin/su"] = ""
        rooted.properties["ro.build.tags"] = "test-keys"
        rooted.properties["ro.boot.verifiedbootstate"] = "orange"
        rooted.properties["ro.boot.flash.locked"] = "0"
        let report = try await ADBTestSupport.withSimulator(rooted) { _, port in try await ADBTestSupport.inspect(port: port) }
        #expect(report.details?["root_indicators"] == "/system/xbin/su,test-keys")
        #expect(report.details?["bootloader"] == "unlocked")
        #expect(report.details?["verified_boot_state"] == "orange")
    }

    @Test func twoPhonesAtOnce() async throws {
        try await ADBTestSupport.withSimulator(.samsungS10, latency: .milliseconds(30)) { _, samsungPort in
            try await ADBTestSupport.withSimulator(.xiaomiRedmiNote10, latency: .milliseconds(30)) { _, xiaomiPort in
                async let samsung = ADBTestSupport.inspect(port: samsungPort)
                async let xiaomi = ADBTestSupport.inspect(port: xiaomiPort)
                let (s, x) = try await (samsung, xiaomi)
                #expect(s.model.identifier == "SM-G973F")
                #expect(s.locks.frpArmed == true)
                #expect(x.model.identifier == "M2101K7AG")
                #expect(x.locks.frpArmed == false)
            }
        }
    }

    @Test func severalStreamsOnOneConnection() async throws {
        try await ADBTestSupport.withSimulator(.samsungS10, latency: .milliseconds(20)) { _, port in
            let connection = try await ADBConnection.connect(
                over: try ADBTCPTransport(host: "127.0.0.1", port: port), key: ADBTestSupport.key)
            defer { connection.close() }
            #expect(connection.hasShellV2)
            #expect(connection.banner.properties["ro.product.model"] == "SM-G973F")
            let results = try await withThrowingTaskGroup(of: (Int, ADBShellResult).self) { group in
                for i in 0..<8 {
                    group.addTask { (i, try await connection.shell("echo stream\(i); ls /nonexistent")) }
                }
                return try await group.reduce(into: [Int: ADBShellResult]()) { $0[$1.0] = $1.1 }
            }
            for i in 0..<8 {
                #expect(results[i]?.text == "stream\(i)\n")
                #expect(results[i]?.errorText == "ls: /nonexistent: No such file or directory\n")
                #expect(results[i]?.exitCode == 1)
            }
        }
    }

    @Test func largeOutputIsSplitAndReassembled() async throws {
        var profile = ADBDeviceProfile.huaweiP20Lite
        let big = String(repeating: "0123456789abcdef", count: 40_000)  // 640 KB, over the 256 KiB maximum
        profile.files["/data/local/tmp/big"] = big
        try await ADBTestSupport.withSimulator(profile) { _, port in
            let connection = try await ADBConnection.connect(
                over: try ADBTCPTransport(host: "127.0.0.1", port: port), key: ADBTestSupport.key)
            defer { connection.close() }
            #expect(connection.maxPayload == 256 * 1024)
            #expect(!connection.hasShellV2)
            let bytes = try await connection.read(service: "exec:cat /data/local/tmp/big", timeout: .seconds(10))
            #expect(bytes.count == big.utf8.count)
            #expect(String(decoding: bytes, as: UTF8.self) == big)
        }
    }
}
