// SPDX-License-Identifier: Apache-2.0
@testable import DeviceSimulators
@testable import Diagnostics
import Testing

/// The pure parsers, on what phones print, including the odd and the broken.
@Suite struct AndroidParsersTests {
    // MARK: - Parcels and IMEIs

    struct ParcelCase: Sendable {
        let text: String
        let expected: String?
    }

    static let parcels: [ParcelCase] = [
        ParcelCase(text: ADBDeviceProfile.parcel("357098101234568"), expected: "357098101234568"),
        ParcelCase(text: ADBDeviceProfile.parcel("1234"), expected: "1234"),
        // Written the way older builds print it: one line, no offsets.
        ParcelCase(text: "Result: Parcel(00000000 0000000f 00350033 00300037 00380039 00300031 00320031 00340033 00360035 00000038 '........')",
                   expected: "357098101234568"),
        // A SecurityException: status word not zero.
        ParcelCase(text: "Result: Parcel(ffffffff 0000004f 00650052 00750071 ... 'Requires READ_PRIVILEGED_PHONE_STATE')", expected: nil),
        // A null string (length -1), an empty reply, a service that does not exist, garbage.
        ParcelCase(text: "Result: Parcel(00000000 ffffffff   '........')", expected: nil),
        ParcelCase(text: "Result: Parcel(00000000    '....')", expected: nil),
        ParcelCase(text: "service: Service iphonesubinfo does not exist", expected: nil),
        ParcelCase(text: "Result: Parcel(00000000 00000040 zzzz", expected: nil),
    ]

    @Test(arguments: parcels)
    func parcelStrings(_ c: ParcelCase) {
        #expect(AndroidParsers.parcelString(c.text) == c.expected)
    }

    @Test(arguments: [
        ("357098101234568", true), ("357098101234567", false), ("35709810123456", false), ("3570981012345680", false),
        ("000000000000000", false), ("35709810123456A", false), ("", false),
    ])
    func imeiValidity(_ imei: String, _ valid: Bool) {
        #expect(AndroidParsers.isValidIMEI(imei) == valid)
    }

    // MARK: - getprop and sections

    @Test func propertiesTolerateCRLFAndJunk() {
        let text = "[ro.product.model]: [SM-G973F]\r\n[ro.build.version.release]: [12]\r\nnot a prop\n[]: [x]\n[empty]: []\n[multi]: [a: [b]]\n"
        let props = AndroidParsers.properties(text)
        #expect(props["ro.product.model"] == "SM-G973F")
        #expect(props["ro.build.version.release"] == "12")
        #expect(props["empty"] == "")
        #expect(props["multi"] == "a: [b]")
        #expect(props.count == 4)
    }

    @Test func sectionsSplitOnMarkersWithAnyLineEnding() {
        let text = "junk before\n@@a@@\r\nline 1\r\nline 2\r\n@@b@@\n\n@@c@@\nlast"
        let sections = AndroidParsers.sections(text)
        #expect(sections["a"] == "line 1\nline 2")
        #expect(sections["b"] == "")
        #expect(sections["c"] == "last")
        #expect(sections.count == 3)
    }

    // MARK: - Battery

    @Test func batteryDump() {
        let dump = AndroidParsers.batteryDump(ADBDeviceProfile.batteryDump(level: 64, temperatureTenths: 296, health: 2, extra: "  mSavedBatteryAsoc: 85\n"))
        #expect(dump?.levelPercent == 64)
        #expect(dump?.temperatureC == 29.6)
        #expect(dump?.healthCode == 2)
        #expect(dump?.samsungAsoc == 85)
        #expect(AndroidParsers.batteryDump("Can't find service: battery") == nil)
        let odd = AndroidParsers.batteryDump("  level: 150\n  scale: 100\n  temperature: 99999\n")
        #expect(odd?.levelPercent == nil)
        #expect(odd?.temperatureC == nil)
        // A scale no battery has (found by the fuzzer): no percentage, and no overflow trap.
        let huge = AndroidParsers.batteryDump("  level: \(Int.max - 1)\n  scale: \(Int.max)\n  temperature: 250\n")
        #expect(huge?.levelPercent == nil)
        #expect(huge?.temperatureC == 25)
    }

    @Test(arguments: [
        (2_890_000, 3_400_000, 85), (3_500_000, 3_400_000, 100), (0, 3_400_000, nil), (2_890_000, 0, nil), (9_000_000, 3_000_000, nil),
    ] as [(Int, Int, Int?)])
    func healthPercent(_ full: Int, _ design: Int, _ expected: Int?) {
        #expect(AndroidParsers.healthPercent(full: full / 1000, design: design / 1000) == expected)
    }

    @Test func healthPercentOfACapacityTooLargeToScale() {
        #expect(AndroidParsers.healthPercent(full: Int.max, design: Int.max) == nil)
        #expect(AndroidParsers.percent(Int.max / 100, of: Int.max / 100) == 100)
    }

    // MARK: - Accounts and locks

    @Test func accountTypesWithoutNames() {
        let dump = ADBDeviceProfile.accountDump([("a@gmail.com", "com.google"), ("b@gmail.com", "com.google"), ("x", "com.xiaomi")])
        #expect(AndroidParsers.accountTypes(dump) == ["com.google", "com.xiaomi"])
        #expect(AndroidParsers.accountTypes(ADBDeviceProfile.accountDump([])) == [])
        #expect(AndroidParsers.accountTypes("Can't find service: account") == nil)
    }

    @Test(arguments: [
        (ADBDeviceProfile.lockSettingsDump(credential: "PIN"), "false", true as Bool?),
        (ADBDeviceProfile.lockSettingsDump(credential: "Pattern"), nil, true),
        (ADBDeviceProfile.lockSettingsDump(credential: "None"), "true", false),
        (nil, "true\n", false),
        (nil, "false\n", nil),
        ("Can't find service: lock_settings", nil, nil),
    ] as [(String?, String?, Bool?)])
    func screenLock(_ dump: String?, _ disabled: String?, _ expected: Bool?) {
        #expect(AndroidParsers.screenLockSet(lockSettingsDump: dump, getDisabled: disabled) == expected)
    }

    // MARK: - Storage

    @Test(arguments: [
        (ADBDeviceProfile.partitions([("sda", 124_813_312), ("sdb", 8192), ("sda1", 1000)]), nil, 128 as Int?),
        (ADBDeviceProfile.partitions([("mmcblk0", 61_071_360), ("mmcblk0p1", 8192), ("mmcblk0boot0", 4096)]), nil, 64),
        (ADBDeviceProfile.partitions([("sda", 249_036_800)]), nil, 256),
        (nil, ADBDeviceProfile.df(kib: 114_890_752), 128),
        ("cat: /proc/partitions: Permission denied", ADBDeviceProfile.df(kib: 52_711_424), 64),
        ("garbage", "garbage", nil),
        // Sizes whose sum overflows an Int (CI's fuzzer found the trap) and a negative size: no disk is that large,
        // so df's answer is used, and without df there is no size at all.
        (ADBDeviceProfile.partitions([("sda", Int.max), ("sdb", Int.max)]), ADBDeviceProfile.df(kib: 114_890_752), 128),
        (ADBDeviceProfile.partitions([("sda", Int.max), ("sdb", Int.max)]), nil, nil),
        (ADBDeviceProfile.partitions([("sda", 124_813_312), ("sdb", -124_813_312)]), nil, 128),
    ] as [(String?, String?, Int?)])
    func storage(_ partitions: String?, _ df: String?, _ expected: Int?) {
        #expect(AndroidParsers.storageGB(partitions: partitions, dfData: df) == expected)
    }

    // MARK: - Trade-in status

    @Test func tradeInStatusByAOSPKeys() throws {
        let text = try #require(ADBDeviceProfile.pixel9TradeIn.commands["tradeinmode getstatus"]?.stdout)
        let status = try #require(AndroidParsers.tradeInStatus(text))
        #expect(status.serial == "4A021FDAQ00123")
        #expect(status.imeis == ["358240050123454", "358240050123462"])
        #expect((status.brand, status.device, status.manufacturer, status.model, status.name)
            == ("google", "tokay", "Google", "Pixel 9", "tokay"))
        #expect(status.cycleCount == 212)
        #expect(status.healthPercent == 91)
        #expect(status.legacyHealth == 2)
        #expect(status.manufacturingDate == 1_717_200_000)
        #expect(status.firstUsageDate == 1_723_680_000)
        #expect(status.capacityBytes == 128_000_000_000)
        #expect(status.usefulLifetimeRemaining == 97)
        #expect(status.launchLevel == 34)
        #expect(status.factoryResetProtection == false)
        #expect(status.frpActive == false)
        #expect(!status.onlyLocks)
        #expect(AndroidParsers.tradeInStatus("/system/bin/sh: tradeinmode: inaccessible or not found") == nil)
        #expect(AndroidParsers.tradeInStatus("{not json}") == nil)
        #expect(AndroidParsers.tradeInStatus("{\"error\":\"x\"}") == nil)
    }

    @Test func onlyLocksMeansFRPActiveAndNothingElseKnown() throws {
        let text = try #require(ADBDeviceProfile.pixel8TradeInFRP.commands["tradeinmode getstatus"]?.stdout)
        let status = try #require(AndroidParsers.tradeInStatus(text))
        #expect(status.onlyLocks)
        #expect(status.frpActive == true)
        #expect(status.model == nil && status.imeis.isEmpty && status.capacityBytes == nil && status.cycleCount == nil)
        // A report with only `locks` whose flag is missing still means FRP is on.
        #expect(AndroidParsers.tradeInStatus("{\"locks\":{}}")?.frpActive == true)
    }

    /// Keys this reader once guessed (`frp_active`, `state_of_health`) are not AOSP's and are not read; a capacity
    /// as a JSON number is not AOSP's format either.
    @Test func guessedKeysAndWrongTypesAreIgnored() throws {
        let text = """
            {"battery":{"state_of_health":94,"cycle_count":"143","health":true},"storage":{"capacity_bytes":128000000000},\
            "frp_active":false,"locks":{"factory_reset_protection":"false"},"imeis":["352814098765439","123"],"launch_level":"34"}
            """
        let status = try #require(AndroidParsers.tradeInStatus(text))
        #expect(status.healthPercent == nil)
        #expect(status.cycleCount == nil)
        #expect(status.capacityBytes == nil)
        #expect(status.factoryResetProtection == nil)
        #expect(status.frpActive == nil)
        #expect(status.launchLevel == nil)
        #expect(status.imeis == ["352814098765439"])
    }

    // MARK: - IMEI transaction codes

    /// `getDeviceIdForPhone`'s position in AOSP IPhoneSubInfo.aidl: third on 5.1–10, fourth from 11 (through 16).
    @Test(arguments: [
        (22, false, 3 as Int?), (28, false, 3), (28, true, 4), (29, false, 3), (29, true, 3), (30, false, 4), (33, false, 4),
        (34, false, 4), (35, false, 4), (36, false, 4), (21, false, nil), (19, false, nil),
    ] as [(Int, Bool, Int?)])
    func imeiCodes(_ sdk: Int, _ huaweiShifted: Bool, _ expected: Int?) {
        #expect(AndroidReader.imeiCode(sdk: sdk, huaweiShifted: huaweiShifted) == expected)
    }

    /// The fixtures' writer against a reply copied in `Parcel::print`'s layout (two-space indent, offsets, the last
    /// line padded, `)` straight after the quote).
    @Test func parcelDumpLayout() {
        #expect(ADBDeviceProfile.parcel("357098101234568") == """
            Result: Parcel(
              0x00000000: 00000000 0000000f 00350033 00300037 '........3.5.7.0.'
              0x00000010: 00380039 00300031 00320031 00340033 '9.8.1.0.1.2.3.4.'
              0x00000020: 00360035 00000038                   '5.6.8...        ')

            """)
        #expect(ADBDeviceProfile.nullParcel == "Result: Parcel(00000000 ffffffff   '........')\n")
        let refusal = ADBDeviceProfile.exceptionParcel("Requires READ_PHONE_STATE")
        #expect(AndroidParsers.parcelString(refusal) == nil)
        #expect(AndroidParsers.parcelException(refusal) == "Requires READ_PHONE_STATE")
        #expect(AndroidParsers.parcelException(ADBDeviceProfile.parcel("357098101234568")) == nil)
        #expect(AndroidParsers.parcelString("Result: Parcel(NULL)") == nil)
    }

    // MARK: - Device policy

    @Test func devicePolicyOwners() throws {
        let none = try #require(AndroidParsers.devicePolicy(ADBDeviceProfile.devicePolicyDump(admins: ["com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver"])))
        #expect(!none.managed)
        let owned = try #require(AndroidParsers.devicePolicy(ADBDeviceProfile.devicePolicyDump(
            deviceOwner: ("com.example.mdm", "com.example.mdm.Admin"),
            profileOwners: [(10, "com.google.android.apps.work.clouddpc", "com.google.android.apps.work.clouddpc.receivers.CloudDeviceAdminReceiver")])))
        #expect(owned.managed)
        #expect(owned.deviceOwner == "com.example.mdm")
        #expect(owned.deviceOwnerAdmin == "ComponentInfo{com.example.mdm/com.example.mdm.Admin}")
        #expect(owned.profileOwners.map(\.user) == [10])
        #expect(owned.profileOwners.map(\.package) == ["com.google.android.apps.work.clouddpc"])
        // A work profile alone is managed too.
        let work = try #require(AndroidParsers.devicePolicy(ADBDeviceProfile.devicePolicyDump(
            profileOwners: [(11, "com.example.work", "com.example.work.Admin")])))
        #expect(work.managed && work.deviceOwner == nil)
        // Android 9's prefix-indented dump reads the same.
        let old = "Current Device Policy Manager state:\n  Device Owner: \n    admin=ComponentInfo{a.b/a.b.C}\n    name=\n    package=a.b\n    User ID: 0\n\n  Enabled Device Admins (User 0, provisioningState: 3):\n"
        #expect(AndroidParsers.devicePolicy(old)?.deviceOwner == "a.b")
        #expect(AndroidParsers.devicePolicy("Can't find service: device_policy") == nil)
        #expect(AndroidParsers.devicePolicy("") == nil)
    }

    // MARK: - Marketed storage

    /// Decimal gigabytes rounded up to the size sold, never GiB: 128 GiB of flash is a 128 GB phone, not 256.
    @Test(arguments: [
        (128_000_000_000, 128 as Int?), (137_438_953_472, 128), (127_817_023_488, 128), (256_060_514_304, 256),
        (64_000_000_000, 64), (31_268_536_320, 32), (1_000_000_000_000, 1024), (500_000_000, nil),
    ] as [(Int, Int?)])
    func marketedSize(_ bytes: Int, _ expected: Int?) {
        #expect(AndroidParsers.standardSize(bytes: Double(bytes)) == expected)
    }
}

/// The message framing, both directions.
@Suite struct ADBPacketTests {
    @Test func headerRoundTrip() throws {
        let packet = ADBPacket(.wrte, 7, 9, Array("hello".utf8))
        let header = try ADBHeader(decoding: packet.encodedHeader(), maxPayload: 4096)
        #expect(header.command == .wrte)
        #expect((header.arg0, header.arg1, header.length) == (7, 9, 5))
        #expect(try header.packet(payload: packet.payload, verifyChecksum: true) == packet)
        #expect(ADBCommand.cnxn.description == "CNXN")
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let error: ADBError
        var testDescription: String { name }
    }

    static let bad: [BadCase] = {
        let good = ADBPacket(.okay, 1, 2, [1, 2, 3]).encodedHeader()
        var magic = good
        magic[20] ^= 1
        var unknown = good
        unknown.replaceSubrange(0..<4, with: [1, 2, 3, 4])
        unknown.replaceSubrange(20..<24, with: [0xfe, 0xfd, 0xfc, 0xfb])
        let big = ADBPacket(.wrte, 1, 2, [UInt8](repeating: 0, count: 5000)).encodedHeader()
        return [
            BadCase(name: "short", bytes: Array(good.prefix(20)), error: .malformedHeader("20 bytes instead of 24")),
            BadCase(name: "magic", bytes: magic, error: .badMagic),
            BadCase(name: "unknown command", bytes: unknown, error: .malformedHeader("unknown command 0x04030201")),
            BadCase(name: "oversize", bytes: big, error: .oversizePayload(length: 5000, maximum: 4096)),
        ]
    }()

    @Test(arguments: bad)
    func badHeadersAreNamed(_ c: BadCase) {
        #expect(throws: c.error) { try ADBHeader(decoding: c.bytes, maxPayload: 4096) }
    }

    @Test func checksumCheckedOnlyWhenAsked() throws {
        var bytes = ADBPacket(.wrte, 1, 2, [1, 2, 3]).encodedHeader()
        bytes[16] &+= 1
        let header = try ADBHeader(decoding: bytes, maxPayload: 4096)
        #expect(throws: ADBError.badChecksum) { try header.packet(payload: [1, 2, 3], verifyChecksum: true) }
        #expect(try header.packet(payload: [1, 2, 3], verifyChecksum: false).payload == [1, 2, 3])
    }

    @Test func shellV2FramesAcrossArbitrarySplits() throws {
        let stream = ADBShellResult.frame(.stdout, Array("out".utf8)) + ADBShellResult.frame(.stderr, Array("err".utf8))
            + ADBShellResult.frame(.exit, [3])
        let result = try ADBShellResult(decodingV2: stream)
        #expect(result == ADBShellResult(stdout: Array("out".utf8), stderr: Array("err".utf8), exitCode: 3))
        #expect(throws: ADBError.protocolViolation("a shell packet cut short")) { try ADBShellResult(decodingV2: Array(stream.dropLast())) }
    }

    @Test func bannerParsing() {
        let banner = ADBBanner(parsing: Array((ADBDeviceProfile.huaweiP20Lite.bannerText + "\0").utf8))
        #expect(banner.systemType == "device")
        #expect(banner.properties["ro.product.model"] == "ANE-LX1")
        #expect(banner.features == ["cmd", "stat_v2"])
        #expect(ADBBanner(parsing: Array("garbage".utf8)).properties.isEmpty)
    }
}
