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

    /// One simulated phone per release and maker, each answering as AOSP (and the maker) prints: the expected
    /// report is written from what those outputs say, field by field.
    static let cases: [Case] = [
        Case(profile: .samsungS10, expected: DeviceReport(
            platform: .android, serial: "R58M42ABCDE", model: .init(identifier: "SM-G973F", brand: "samsung"),
            osVersion: "12", imei: ["357098101234568", "357098101234576"], storageGB: 64 * 2, pairing: .authorized,
            locks: .init(passcodeSet: true, accounts: ["com.google", "com.osp.app.signin"], frpArmed: true, mdm: false, simState: [.ready]),
            battery: .init(healthPercent: 85, cycleCount: 412, designCapacityMAh: 3400, fullChargeCapacityMAh: 2890,
                           levelPercent: 64, temperatureC: 29.6),
            details: stockDetails([
                "manufacturer": "samsung", "device": "beyond1", "android_sdk": "31", "security_patch": "2024-03-01", "oem_unlock_allowed": "false",
                "build_fingerprint": "samsung/beyond1ltexx/beyond1:12/SP1A.210812.016/G973FXXUGHWB3:user/release-keys"]))),
        Case(profile: .xiaomiRedmiNote10, expected: DeviceReport(
            platform: .android, serial: "a1b2c3d4", model: .init(identifier: "M2101K7AG", brand: "Redmi"),
            osVersion: "13", imei: ["864532055512344", "864532055512351"], storageGB: 64, pairing: .authorized,
            locks: .init(passcodeSet: false, accounts: [], frpArmed: false, mdm: false, simState: [.absent, .absent]),
            battery: .init(healthPercent: 94, cycleCount: 187, designCapacityMAh: 5000, fullChargeCapacityMAh: 4712,
                           levelPercent: 91, temperatureC: 27.4),
            details: stockDetails([
                "manufacturer": "Xiaomi", "device": "mojito", "android_sdk": "33", "security_patch": "2024-01-01", "oem_unlock_allowed": "true"]))),
        // Trade-in mode, FRP off: every fact from getstatus; the OS version stays unknown (launch_level is the
        // release it shipped with, 14, not the 16 it runs).
        Case(profile: .pixel9TradeIn, expected: DeviceReport(
            platform: .android, serial: "4A021FDAQ00123", model: .init(identifier: "Pixel 9", brand: "google"),
            osVersion: nil, imei: ["358240050123454", "358240050123462"], storageGB: 128, pairing: .tradeInMode,
            locks: .init(frpArmed: false),
            battery: .init(healthPercent: 91, cycleCount: 212),
            details: ["transport": "tcp", "manufacturer": "Google", "device": "tokay", "trade_in_mode": "true",
                      "factory_reset_protection": "inactive", "launch_level": "34", "launch_android": "14",
                      "product_name": "tokay", "storage_lifetime_remaining": "97", "battery_health": "good"])),
        // Trade-in mode, FRP on: only the lock; everything else unknown but what adbd's banner says.
        Case(profile: .pixel8TradeInFRP, expected: DeviceReport(
            platform: .android, serial: nil, model: .init(identifier: "Pixel 8", brand: nil),
            osVersion: nil, imei: nil, storageGB: nil, pairing: .tradeInMode,
            locks: .init(frpArmed: true), battery: nil,
            details: ["transport": "tcp", "device": "shiba", "trade_in_mode": "true", "factory_reset_protection": "active"],
            advice: "Factory reset protection is on: the phone shows nothing else in trade-in mode. The previous owner must sign in on the phone (or remove it from their Google account) before it can be taken.")),
        Case(profile: .huaweiP20Lite, expected: DeviceReport(
            platform: .android, serial: "7MLNW18A12004567", model: .init(identifier: "ANE-LX1", brand: "HUAWEI"),
            osVersion: "8.0.0", imei: ["867341031245673"], storageGB: 64, pairing: .authorized,
            locks: .init(passcodeSet: nil, accounts: ["com.huawei.hwid"], frpArmed: false, mdm: nil),
            battery: .init(healthPercent: nil, cycleCount: 803, designCapacityMAh: 3000, fullChargeCapacityMAh: nil,
                           levelPercent: 38, temperatureC: 31.2),
            details: stockDetails([
                "manufacturer": "HUAWEI", "device": "HWANE", "android_sdk": "26", "security_patch": "2019-06-01"]))),
        // Android 9 on Huawei: the shifted code 4 answers both slots.
        Case(profile: .huaweiP30Lite, expected: DeviceReport(
            platform: .android, serial: "L2N4C19A21001234", model: .init(identifier: "MAR-LX1M", brand: "HUAWEI"),
            osVersion: "9", imei: ["868801050123456", "868801050123464"], storageGB: 128, pairing: .authorized,
            locks: .init(passcodeSet: nil, accounts: ["com.google"], frpArmed: true, mdm: false),
            battery: .init(healthPercent: 86, cycleCount: 356, designCapacityMAh: 3240, fullChargeCapacityMAh: 2790,
                           levelPercent: 57, temperatureC: 30.1),
            details: stockDetails([
                "manufacturer": "HUAWEI", "device": "HWMAR", "android_sdk": "28", "security_patch": "2020-09-01"]))),
        // Android 10: code 3 by slot, in slot order (code 4 would have answered slot 1's IMEI for "slot 1").
        Case(profile: .samsungA50, expected: DeviceReport(
            platform: .android, serial: "RF8M33XYZ1A", model: .init(identifier: "SM-A505FN", brand: "samsung"),
            osVersion: "10", imei: ["352900110123457", "352900110123465"], storageGB: 64, pairing: .authorized,
            locks: .init(passcodeSet: false, accounts: [], frpArmed: false, mdm: false),
            battery: .init(healthPercent: 81, cycleCount: 640, levelPercent: 72, temperatureC: 28.5),
            details: stockDetails([
                "manufacturer": "samsung", "device": "a50", "android_sdk": "29", "security_patch": "2021-05-01", "oem_unlock_allowed": "false"]))),
        Case(profile: .onePlus8T, expected: DeviceReport(
            platform: .android, serial: "6d2a11f0", model: .init(identifier: "KB2003", brand: "OnePlus"),
            osVersion: "11", imei: ["863529070123454", "863529070123462"], storageGB: 128, pairing: .authorized,
            locks: .init(passcodeSet: true, accounts: [], frpArmed: false, mdm: false, simState: [.networkLocked, .absent], networkLock: .network),
            battery: .init(healthPercent: nil, cycleCount: 498, levelPercent: 44, temperatureC: 31.8),
            details: stockDetails([
                "manufacturer": "OnePlus", "device": "OnePlus8T", "android_sdk": "30", "security_patch": "2021-09-01", "oem_unlock_allowed": "false"]))),
        // Android 14 Xiaomi refusing the calls: MIUI's properties, slot order kept.
        Case(profile: .xiaomi13T, expected: DeviceReport(
            platform: .android, serial: "f3c2a9e1", model: .init(identifier: "2306EPN60G", brand: "Xiaomi"),
            osVersion: "14", imei: ["861045030123452", "861045030123460"], storageGB: 256, pairing: .authorized,
            locks: .init(passcodeSet: true, accounts: ["com.google", "com.xiaomi"], frpArmed: true, mdm: false),
            battery: .init(healthPercent: 97, cycleCount: 95, designCapacityMAh: 5000, fullChargeCapacityMAh: 4880,
                           levelPercent: 83, temperatureC: 27.0),
            details: stockDetails([
                "manufacturer": "Xiaomi", "device": "aristotle", "android_sdk": "34", "security_patch": "2024-06-01", "oem_unlock_allowed": "false"]))),
        // Android 14 Samsung, dual SIM, with a device owner.
        Case(profile: .samsungA54, expected: DeviceReport(
            platform: .android, serial: "R5CW20ABCDE", model: .init(identifier: "SM-A546B", brand: "samsung"),
            osVersion: "14", imei: ["354712100123456", "354712100123464"], storageGB: 128, pairing: .authorized,
            locks: .init(passcodeSet: true, accounts: ["com.google"], frpArmed: true, mdm: true, simState: [.loaded, .absent]),
            battery: .init(healthPercent: 93, cycleCount: 301, levelPercent: 66, temperatureC: 29.2),
            details: stockDetails([
                "manufacturer": "samsung", "device": "a54x", "android_sdk": "34", "security_patch": "2024-08-01", "oem_unlock_allowed": "false",
                "device_owner": "com.google.android.apps.work.clouddpc (ComponentInfo{com.google.android.apps.work.clouddpc/com.google.android.apps.work.clouddpc.receivers.CloudDeviceAdminReceiver})"]))),
    ]

    /// What every authorised stock phone here reports besides its own: TCP, a locked bootloader on green verified
    /// boot, no root, a good battery.
    static func stockDetails(_ own: [String: String]) -> [String: String] {
        ["transport": "tcp", "bootloader": "locked", "verified_boot_state": "green", "root_indicators": "none",
         "battery_health": "good"].merging(own) { $1 }
    }

    @Test func everyFixtureIsCovered() {
        #expect(Set(Self.cases.map(\.profile.name)) == Set(ADBDeviceProfile.fixtures.map(\.name)))
    }

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
        #expect(report.advice == c.expected.advice)
    }

    /// One round trip: a full read opens four shell streams at once (getprop with every IMEI probe; accounts, lock
    /// and device policy; battery, root and storage; trade-in status), whatever the release.
    @Test func fullReadOpensFourStreamsInOneRound() async throws {
        try await ADBTestSupport.withSimulator(.samsungA54, latency: .milliseconds(400)) { simulator, port in
            let report = try await ADBTestSupport.inspect(port: port)
            #expect(report.imei == ["354712100123456", "354712100123464"])
            #expect(simulator.streamsOpened == 4)
            // One round: every stream was open at once while the phone took 400 ms to answer each. A reader that
            // waited for getprop before asking for the IMEIs never has all four open. (Counted, not timed.)
            #expect(simulator.peakOpenStreams == 4)
        }
    }

    /// Trade-in mode: adbd refuses all but `tradeinmode`, and the reader never asks `tradeinmode evaluate` (it
    /// forces a wipe).
    @Test(arguments: [ADBDeviceProfile.pixel9TradeIn, .pixel8TradeInFRP])
    func tradeInModeIsReadWithGetstatusOnly(_ profile: ADBDeviceProfile) async throws {
        try await ADBTestSupport.withSimulator(profile) { simulator, port in
            _ = try await ADBTestSupport.inspect(port: port)
            let services = simulator.servicesRequested
            #expect(services.contains { $0.hasSuffix(":tradeinmode getstatus") })
            #expect(!services.contains { $0.contains("evaluate") })
            let connection = try await ADBConnection.connect(
                over: try ADBTCPTransport(host: "127.0.0.1", port: port), key: ADBTestSupport.key)
            defer { connection.close() }
            await #expect(throws: DiagnosticsError.self) { try await connection.shell("getprop", timeout: .seconds(5)) }
            await #expect(throws: DiagnosticsError.self) { try await connection.shell("tradeinmode getstatus && ls", timeout: .seconds(5)) }
        }
    }

    /// A phone refusing the shell without a trade-in status is not taken for read: its facts are null, with advice.
    @Test func refusedShellWithoutStatusSaysSo() async throws {
        var silent = ADBDeviceProfile.pixel8TradeInFRP
        silent.name = "silent-trade-in"
        silent.commands = [:]
        let report = try await ADBTestSupport.withSimulator(silent) { _, port in try await ADBTestSupport.inspect(port: port) }
        #expect(report.imei == nil && report.osVersion == nil && report.locks == .init())
        #expect(report.advice == "The phone refused the shell and gave no trade-in status; finish the setup wizard and turn on USB debugging for a full read.")
    }

    /// A phone whose IMEI cannot be read says why, and tells the consultant where to find it.
    @Test func unreadableIMEISaysWhy() async throws {
        var noModem = ADBDeviceProfile.onePlus8T
        noModem.name = "no-modem"
        for key in noModem.commands.keys where key.hasPrefix("service call iphonesubinfo") {
            noModem.commands[key] = .init(stdout: ADBDeviceProfile.nullParcel)
        }
        let silent = try await ADBTestSupport.withSimulator(noModem) { _, port in try await ADBTestSupport.inspect(port: port) }
        #expect(silent.imei == nil)
        #expect(silent.advice == "The IMEI could not be read: the phone answered no IMEI (no cellular modem, or one that does not say). Read it from the SIM tray or dial *#06# on the phone, and type it in.")

        var refusing = ADBDeviceProfile.xiaomi13T
        refusing.name = "refusing-xiaomi"
        refusing.properties["ro.ril.miui.imei0"] = nil
        refusing.properties["ro.ril.miui.imei1"] = "12345"  // not an IMEI: never accepted
        let refused = try await ADBTestSupport.withSimulator(refusing) { _, port in try await ADBTestSupport.inspect(port: port) }
        #expect(refused.imei == nil)
        #expect(refused.advice?.contains("the phone refused the IMEI call (getDeviceIdForPhone: The user 2000 does not meet the requirements to access device identifiers.)") == true)
        #expect(refused.advice?.contains("*#06#") == true)
    }

    /// Only a 15-digit Luhn-valid answer is an IMEI; a slot that answers garbage keeps the other slot's.
    @Test func onlyValidIMEIsAreKept() async throws {
        var odd = ADBDeviceProfile.samsungA54
        odd.name = "odd-samsung"
        odd.commands["service call iphonesubinfo 4 i32 0 s16 com.android.shell"] = .init(stdout: ADBDeviceProfile.parcel("354712100123457"))
        odd.commands["service call iphonesubinfo 1 s16 com.android.shell"] = .init(stdout: ADBDeviceProfile.parcel("35471210012345"))
        let report = try await ADBTestSupport.withSimulator(odd) { _, port in try await ADBTestSupport.inspect(port: port) }
        #expect(report.imei == ["354712100123464"])
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
