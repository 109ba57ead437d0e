// SPDX-License-Identifier: Apache-2.0

// The simulated phones of the tests, the demo and the benchmark. Their answers follow what real phones print
// (getprop, dumpsys battery/account/lock_settings, Parcel dumps of `service call`, toybox df, /proc/partitions);
// the values are made up.

extension ADBDeviceProfile {
    /// A Samsung Galaxy S10 (SM-G973F) on Android 12 with a Google and a Samsung account and a PIN: FRP will arm.
    public static let samsungS10 = ADBDeviceProfile(
        name: "samsung-s10",
        properties: commonProperties.merging([
            "ro.product.brand": "samsung", "ro.product.manufacturer": "samsung", "ro.product.model": "SM-G973F",
            "ro.product.name": "beyond1ltexx", "ro.product.device": "beyond1", "ro.serialno": "R58M42ABCDE",
            "ril.serialnumber": "R58M42ABCDE", "ro.build.version.release": "12", "ro.build.version.sdk": "31",
            "ro.build.version.security_patch": "2024-03-01", "gsm.sim.state": "READY",
            "ro.build.fingerprint": "samsung/beyond1ltexx/beyond1:12/SP1A.210812.016/G973FXXUGHWB3:user/release-keys",
            "ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green", "sys.oem_unlock_allowed": "0",
        ]) { $1 },
        files: [
            "/sys/class/power_supply/battery/battery_cycle": "412\n",
            "/sys/class/power_supply/battery/charge_full": "2890000\n",
            "/sys/class/power_supply/battery/charge_full_design": "3400000\n",
        ],
        commands: [
            "dumpsys battery": .init(stdout: batteryDump(level: 64, temperatureTenths: 296, health: 2, extra: "  mSavedBatteryAsoc: 85\n")),
            "dumpsys account": .init(stdout: accountDump([("aigerim.s@gmail.com", "com.google"), ("aigerim.s", "com.osp.app.signin")])),
            "dumpsys lock_settings": .init(stdout: lockSettingsDump(credential: "PIN")),
            "cmd lock_settings get-disabled": .init(stdout: "false\n"),
            "service call iphonesubinfo 4 i32 0 s16 com.android.shell": .init(stdout: parcel("357098101234568")),
            "service call iphonesubinfo 4 i32 1 s16 com.android.shell": .init(stdout: parcel("357098101234576")),
            "service call iphonesubinfo 1 s16 com.android.shell": .init(stdout: parcel("357098101234568")),
            // Android 11+: 3 is getNaiForSubscriber, a null string here.
            "service call iphonesubinfo 3 i32 0 s16 com.android.shell": .init(stdout: nullParcel),
            "service call iphonesubinfo 3 i32 1 s16 com.android.shell": .init(stdout: nullParcel),
            "dumpsys device_policy": .init(stdout: devicePolicyDump(admins: ["com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver"])),
            "df /data": .init(stdout: df(kib: 114_890_752)),
            "cat /proc/partitions": .init(stdout: partitions([("sda", 124_813_312), ("sdb", 8192), ("sdc", 8192), ("sdd", 65536)])),
        ]
    )

    /// A clean Xiaomi Redmi Note 10 (M2101K7AG) on Android 13: no accounts, no screen lock.
    public static let xiaomiRedmiNote10 = ADBDeviceProfile(
        name: "xiaomi-redmi-note-10",
        properties: commonProperties.merging([
            "ro.product.brand": "Redmi", "ro.product.manufacturer": "Xiaomi", "ro.product.model": "M2101K7AG",
            "ro.product.name": "mojito_global", "ro.product.device": "mojito", "ro.serialno": "a1b2c3d4",
            "ro.build.version.release": "13", "ro.build.version.sdk": "33", "ro.build.version.security_patch": "2024-01-01",
            "ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green", "sys.oem_unlock_allowed": "1",
            "gsm.sim.state": "ABSENT,ABSENT",
        ]) { $1 },
        files: [
            "/sys/class/power_supply/battery/cycle_count": "187\n",
            "/sys/class/power_supply/battery/charge_full": "4712000\n",
            "/sys/class/power_supply/battery/charge_full_design": "5000000\n",
        ],
        commands: [
            "dumpsys battery": .init(stdout: batteryDump(level: 91, temperatureTenths: 274, health: 2, extra: "")),
            "dumpsys account": .init(stdout: accountDump([])),
            "dumpsys lock_settings": .init(stdout: lockSettingsDump(credential: "None")),
            "cmd lock_settings get-disabled": .init(stdout: "true\n"),
            "service call iphonesubinfo 4 i32 0 s16 com.android.shell": .init(stdout: parcel("864532055512344")),
            "service call iphonesubinfo 4 i32 1 s16 com.android.shell": .init(stdout: parcel("864532055512351")),
            "dumpsys device_policy": .init(stdout: devicePolicyDump()),
            "df /data": .init(stdout: df(kib: 52_711_424)),
            "cat /proc/partitions": .init(stdout: partitions([("mmcblk0", 61_071_360), ("mmcblk0p1", 8192), ("mmcblk0boot0", 4096)])),
        ]
    )

    /// A Google Pixel 9 on Android 16 in ADB Trade-In Mode (setup wizard, FRP off): adbd asks no authorisation and
    /// runs only `tradeinmode`; `getstatus` prints DeviceDiagnostics' JSON (`DeviceReportJsonFormatter.kt` key order,
    /// `capacity_bytes` a string, `launch_level` 34: it shipped with Android 14).
    public static let pixel9TradeIn = ADBDeviceProfile(
        name: "pixel-9-trade-in",
        properties: commonProperties.merging([
            "ro.product.brand": "google", "ro.product.manufacturer": "Google", "ro.product.model": "Pixel 9",
            "ro.product.name": "tokay", "ro.product.device": "tokay", "ro.serialno": "4A021FDAQ00123",
            "ro.build.version.release": "16", "ro.build.version.sdk": "36", "persist.adb.tradeinmode": "1",
        ]) { $1 },
        commands: [
            "tradeinmode getstatus": .init(stdout: """
                {"battery":{"cycle_count":212,"health":91,"state":2,"manufacturing_date":1717200000,\
                "first_usage_date":1723680000},"storage":{"useful_lifetime_remaining":97,"capacity_bytes":"128000000000"},\
                "launch_level":34,"locks":{"factory_reset_protection":false},"product":{"brand":"google","device":"tokay",\
                "manufacturer":"Google","model":"Pixel 9","name":"tokay"},"imeis":["358240050123454","358240050123462"],\
                "serial":"4A021FDAQ00123"}

                """),
        ],
        tradeInMode: true
    )

    /// A Google Pixel 8 on Android 16 in ADB Trade-In Mode with FRP on: `GetStatusContentProvider` fills only `locks`.
    public static let pixel8TradeInFRP = ADBDeviceProfile(
        name: "pixel-8-trade-in-frp",
        properties: commonProperties.merging([
            "ro.product.brand": "google", "ro.product.manufacturer": "Google", "ro.product.model": "Pixel 8",
            "ro.product.name": "shiba", "ro.product.device": "shiba", "ro.serialno": "38021FDH2000KZ",
            "ro.build.version.release": "16", "ro.build.version.sdk": "36", "persist.adb.tradeinmode": "1",
        ]) { $1 },
        commands: [
            "tradeinmode getstatus": .init(stdout: "{\"locks\":{\"factory_reset_protection\":true}}\n"),
        ],
        tradeInMode: true
    )

    /// A Huawei P30 lite (MAR-LX1M, dual SIM) on Android 9 (EMUI 9): Huawei's `IPhoneSubInfo` shifts the codes from 3 on
    /// by one, so `getDeviceIdForPhone` answers at 4 and 3 is another method (a null string here).
    public static let huaweiP30Lite = ADBDeviceProfile(
        name: "huawei-p30-lite",
        properties: commonProperties.merging([
            "ro.product.brand": "HUAWEI", "ro.product.manufacturer": "HUAWEI", "ro.product.model": "MAR-LX1M",
            "ro.product.name": "MAR-LX1M", "ro.product.device": "HWMAR", "ro.serialno": "L2N4C19A21001234",
            "ro.build.version.release": "9", "ro.build.version.sdk": "28", "ro.build.version.security_patch": "2020-09-01",
            "ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green",
        ]) { $1 },
        files: [
            "/sys/class/power_supply/battery/cycle_count": "356\n",
            "/sys/class/power_supply/battery/charge_full": "2790000\n",
            "/sys/class/power_supply/battery/charge_full_design": "3240000\n",
        ],
        commands: [
            "dumpsys battery": .init(stdout: batteryDump(level: 57, temperatureTenths: 301, health: 2, extra: "")),
            "dumpsys account": .init(stdout: accountDump([("dana.m@gmail.com", "com.google")])),
            "cmd lock_settings get-disabled": .init(stdout: "false\n"),
            "dumpsys device_policy": .init(stdout: devicePolicyDump(admins: ["com.huawei.hwid/.core.DeviceAdmin"])),
            "df /data": .init(stdout: df(kib: 113_246_208)),
            "cat /proc/partitions": .init(stdout: partitions([("sda", 124_702_720), ("sdb", 4096), ("sdc", 4096), ("sdd", 131_072)])),
        ].merging(iphonesubinfo(first: "868801050123456", code: 4, slots: ["868801050123456", "868801050123464"], nullCodes: [3])) { $1 }
    )

    /// A Samsung Galaxy A50 (SM-A505FN/DS) on Android 10: `getDeviceIdForPhone` is 3; 4 is `getImeiForSubscriber`,
    /// which takes a subscription id (the SIM in slot 1 has id 1), so reading 4 here would put slot 1's IMEI first.
    public static let samsungA50 = ADBDeviceProfile(
        name: "samsung-a50",
        properties: commonProperties.merging([
            "ro.product.brand": "samsung", "ro.product.manufacturer": "samsung", "ro.product.model": "SM-A505FN",
            "ro.product.name": "a50xx", "ro.product.device": "a50", "ro.serialno": "RF8M33XYZ1A",
            "ril.serialnumber": "RF8M33XYZ1A", "ro.build.version.release": "10", "ro.build.version.sdk": "29",
            "ro.build.version.security_patch": "2021-05-01", "ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green",
            "sys.oem_unlock_allowed": "0",
        ]) { $1 },
        files: [
            "/sys/class/power_supply/battery/battery_cycle": "640\n",
        ],
        commands: [
            "dumpsys battery": .init(stdout: batteryDump(level: 72, temperatureTenths: 285, health: 2, extra: "  mSavedBatteryAsoc: 81\n")),
            "dumpsys account": .init(stdout: accountDump([])),
            "dumpsys lock_settings": .init(stdout: lockSettingsDump(credential: "None")),
            "cmd lock_settings get-disabled": .init(stdout: "false\n"),
            "dumpsys device_policy": .init(stdout: devicePolicyDump()),
            // getImeiForSubscriber(subId): no subscription 0; subscription 1 is the SIM in slot 1.
            "service call iphonesubinfo 4 i32 0 s16 com.android.shell": .init(stdout: nullParcel),
            "service call iphonesubinfo 4 i32 1 s16 com.android.shell": .init(stdout: parcel("352900110123465")),
            "df /data": .init(stdout: df(kib: 52_428_800)),
            "cat /proc/partitions": .init(stdout: partitions([("mmcblk0", 61_071_360), ("mmcblk0rpmb", 4096)])),
        ].merging(iphonesubinfo(first: "352900110123457", code: 3, slots: ["352900110123457", "352900110123465"])) { $1 }
    )

    /// A OnePlus 8T (KB2003) on Android 11: `getDeviceIdForPhone` moved to 4.
    public static let onePlus8T = ADBDeviceProfile(
        name: "oneplus-8t",
        properties: commonProperties.merging([
            "ro.product.brand": "OnePlus", "ro.product.manufacturer": "OnePlus", "ro.product.model": "KB2003",
            "ro.product.name": "OnePlus8T_EEA", "ro.product.device": "OnePlus8T", "ro.serialno": "6d2a11f0",
            "ro.build.version.release": "11", "ro.build.version.sdk": "30", "ro.build.version.security_patch": "2021-09-01",
            "ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green", "sys.oem_unlock_allowed": "0",
            // A carrier's phone with another carrier's SIM in slot 1: the SIM is refused by the network lock.
            "gsm.sim.state": "NETWORK_LOCKED,ABSENT",
        ]) { $1 },
        files: [
            "/sys/class/power_supply/battery/cycle_count": "498\n",
        ],
        commands: [
            "dumpsys battery": .init(stdout: batteryDump(level: 44, temperatureTenths: 318, health: 2, extra: "")),
            "dumpsys account": .init(stdout: accountDump([])),
            "dumpsys lock_settings": .init(stdout: lockSettingsDump(credential: "Pattern")),
            "dumpsys device_policy": .init(stdout: devicePolicyDump()),
            "df /data": .init(stdout: df(kib: 110_362_624)),
            "cat /proc/partitions": .init(stdout: partitions([("sda", 121_565_184), ("sdb", 8192), ("sdc", 8192), ("sdd", 65_536)])),
        ].merging(iphonesubinfo(first: "863529070123454", code: 4, slots: ["863529070123454", "863529070123462"], nullCodes: [3])) { $1 }
    )

    /// A Xiaomi 13T (2306EPN60G, dual SIM) on Android 14 whose `iphonesubinfo` answers the shell with a
    /// SecurityException (`Parcel.writeException`): the IMEIs come from MIUI's `ro.ril.miui.imei0`/`imei1`.
    public static let xiaomi13T = ADBDeviceProfile(
        name: "xiaomi-13t",
        properties: commonProperties.merging([
            "ro.product.brand": "Xiaomi", "ro.product.manufacturer": "Xiaomi", "ro.product.model": "2306EPN60G",
            "ro.product.name": "aristotle_eea", "ro.product.device": "aristotle", "ro.serialno": "f3c2a9e1",
            "ro.build.version.release": "14", "ro.build.version.sdk": "34", "ro.build.version.security_patch": "2024-06-01",
            "ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green", "sys.oem_unlock_allowed": "0",
            "ro.ril.miui.imei0": "861045030123452", "ro.ril.miui.imei1": "861045030123460",
        ]) { $1 },
        files: [
            "/sys/class/power_supply/battery/cycle_count": "95\n",
            "/sys/class/power_supply/battery/charge_full": "4880000\n",
            "/sys/class/power_supply/battery/charge_full_design": "5000000\n",
        ],
        commands: [
            "dumpsys battery": .init(stdout: batteryDump(level: 83, temperatureTenths: 270, health: 2, extra: "")),
            "dumpsys account": .init(stdout: accountDump([("arman.t@gmail.com", "com.google"), ("6128840012", "com.xiaomi")])),
            "dumpsys lock_settings": .init(stdout: lockSettingsDump(credential: "PIN")),
            "dumpsys device_policy": .init(stdout: devicePolicyDump()),
            "service call iphonesubinfo 1 s16 com.android.shell": .init(stdout: exceptionParcel("getDeviceId: The user 2000 does not meet the requirements to access device identifiers.")),
            "service call iphonesubinfo 4 i32 0 s16 com.android.shell": .init(stdout: exceptionParcel("getDeviceIdForPhone: The user 2000 does not meet the requirements to access device identifiers.")),
            "service call iphonesubinfo 4 i32 1 s16 com.android.shell": .init(stdout: exceptionParcel("getDeviceIdForPhone: The user 2000 does not meet the requirements to access device identifiers.")),
            "df /data": .init(stdout: df(kib: 231_735_296)),
            "cat /proc/partitions": .init(stdout: partitions([("sda", 249_036_800), ("sdb", 8192), ("sdc", 8192)])),
        ]
    )

    /// A Samsung Galaxy A54 (SM-A546B/DS, dual SIM) on Android 14, a company phone with a device owner (Android Device
    /// Policy). The codes 15 and 16 an earlier reader sent are other methods here (null strings).
    public static let samsungA54 = ADBDeviceProfile(
        name: "samsung-a54",
        properties: commonProperties.merging([
            "ro.product.brand": "samsung", "ro.product.manufacturer": "samsung", "ro.product.model": "SM-A546B",
            "ro.product.name": "a54xnseea", "ro.product.device": "a54x", "ro.serialno": "R5CW20ABCDE",
            "ril.serialnumber": "R5CW20ABCDE", "ro.build.version.release": "14", "ro.build.version.sdk": "34",
            "ro.build.version.security_patch": "2024-08-01", "ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green",
            "sys.oem_unlock_allowed": "0", "gsm.sim.state": "LOADED,ABSENT",
        ]) { $1 },
        files: [
            "/sys/class/power_supply/battery/battery_cycle": "301\n",
        ],
        commands: [
            "dumpsys battery": .init(stdout: batteryDump(level: 66, temperatureTenths: 292, health: 2, extra: "  mSavedBatteryAsoc: 93\n")),
            "dumpsys account": .init(stdout: accountDump([("it.fleet@example.kz", "com.google")])),
            "dumpsys lock_settings": .init(stdout: lockSettingsDump(credential: "Password")),
            "dumpsys device_policy": .init(stdout: devicePolicyDump(
                deviceOwner: ("com.google.android.apps.work.clouddpc", "com.google.android.apps.work.clouddpc.receivers.CloudDeviceAdminReceiver"),
                admins: ["com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver"])),
            "df /data": .init(stdout: df(kib: 110_100_480)),
            "cat /proc/partitions": .init(stdout: partitions([("sda", 124_813_312), ("sdb", 8192), ("sdc", 8192), ("sdd", 65_536)])),
        ].merging(iphonesubinfo(first: "354712100123456", code: 4, slots: ["354712100123456", "354712100123464"], nullCodes: [3, 15, 16])) { $1 }
    )

    /// An old Huawei P20 lite (ANE-LX1) on Android 8.0 whose adbd lacks `shell_v2`: the old `shell:` service on a
    /// pty (`\r\n`), no exit codes, a 256 KiB maximum payload.
    public static let huaweiP20Lite = ADBDeviceProfile(
        name: "huawei-p20-lite",
        properties: commonProperties.merging([
            "ro.product.brand": "HUAWEI", "ro.product.manufacturer": "HUAWEI", "ro.product.model": "ANE-LX1",
            "ro.product.name": "ANE-LX1", "ro.product.device": "HWANE", "ro.serialno": "7MLNW18A12004567",
            "ro.build.version.release": "8.0.0", "ro.build.version.sdk": "26", "ro.build.version.security_patch": "2019-06-01",
            "ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green",
        ]) { $1 },
        files: [
            "/sys/class/power_supply/battery/cycle_count": "803\n",
            "/sys/class/power_supply/battery/charge_full_design": "3000000\n",
        ],
        commands: [
            "dumpsys battery": .init(stdout: batteryDump(level: 38, temperatureTenths: 312, health: 2, extra: "")),
            "dumpsys account": .init(stdout: accountDump([("timur.k@huawei", "com.huawei.hwid")])),
            "cmd lock_settings get-disabled": .init(stdout: "false\n"),
            "service call iphonesubinfo 1 s16 com.android.shell": .init(stdout: parcel("867341031245673")),
            "df /data": .init(stdout: df(kib: 52_428_800)),
            "cat /proc/partitions": .init(stdout: partitions([("mmcblk0", 61_071_360)])),
        ],
        features: ["cmd", "stat_v2"],
        protocolVersion: 0x0100_0000,
        maxPayload: 256 * 1024,
        ptyLineEndings: true
    )

    /// Every fixture, for the demo and the benchmark.
    public static let fixtures: [ADBDeviceProfile] = [
        samsungS10, xiaomiRedmiNote10, pixel9TradeIn, pixel8TradeInFRP, huaweiP20Lite, huaweiP30Lite, samsungA50, onePlus8T,
        xiaomi13T, samsungA54,
    ]

    // MARK: - How phones print things

    static let commonProperties: [String: String] = [
        "ro.build.type": "user", "ro.build.tags": "release-keys", "ro.debuggable": "0", "ro.secure": "1",
        "ro.adb.secure": "1", "persist.sys.usb.config": "mtp,adb", "ro.oem_unlock_supported": "1",
        "ro.frp.pst": "/dev/block/bootdevice/by-name/frp", "ro.hardware": "qcom", "ro.product.locale": "ru-RU",
    ]

    static func batteryDump(level: Int, temperatureTenths: Int, health: Int, extra: String) -> String {
        """
        Current Battery Service state:
          AC powered: false
          USB powered: true
          Wireless powered: false
          Max charging current: 500000
          Max charging voltage: 5000000
          Charge counter: 2837000
          status: 2
          health: \(health)
          present: true
          level: \(level)
          scale: 100
          voltage: 4012
          temperature: \(temperatureTenths)
          technology: Li-ion

        """ + extra
    }

    static func accountDump(_ accounts: [(name: String, type: String)]) -> String {
        var out = "User UserInfo{0:Owner:c13}:\n  Accounts: \(accounts.count)\n"
        for a in accounts { out += "    Account {name=\(a.name), type=\(a.type)}\n" }
        out += "\n  AccountId, Action_type, timestamp, UID, TableName, Key\n  Accounts History\n\n"
        out += "  Active Sessions: 0\n\n  RegisteredServicesCache: 4 services\n"
        return out
    }

    static func lockSettingsDump(credential: String) -> String {
        """
        Current lock settings service state:
          User State:
            User 0
              SID: 5ab1c0ffee2a91d3
              Quality: \(credential == "None" ? 0 : 131072)
              CredentialType: \(credential)
              SeparateChallenge: false
              Metrics: known

        """
    }

    static func df(kib: Int) -> String {
        "Filesystem      1K-blocks     Used Available Use% Mounted on\n"
            + "/dev/block/dm-7 \(kib) \(kib / 3) \(kib - kib / 3)  34% /data\n"
    }

    static func partitions(_ rows: [(name: String, kib: Int)]) -> String {
        var out = "major minor  #blocks  name\n\n"
        for (i, row) in rows.enumerated() { out += "   8     \(i * 16) \(row.kib) \(row.name)\n" }
        return out
    }

    /// The `service call` reply for a String16 (`Parcel.writeNoException`, then `writeString16`): status 0, length,
    /// UTF-16 units two per word, NUL-terminated and padded.
    public static func parcel(_ string: String) -> String {
        var units = Array(string.utf16) + [0]
        if units.count % 2 == 1 { units.append(0) }
        var words: [UInt32] = [0, UInt32(string.utf16.count)]
        for i in stride(from: 0, to: units.count, by: 2) { words.append(UInt32(units[i]) | UInt32(units[i + 1]) << 16) }
        return "Result: " + parcelDump(words) + "\n"
    }

    /// The `service call iphonesubinfo` answers of a phone: `first` at code 1 (`getDeviceId`, the default slot), each
    /// slot's IMEI at `code` (`getDeviceIdForPhone`), and null strings for both slots at `nullCodes` (other methods).
    static func iphonesubinfo(first: String, code: Int, slots: [String], nullCodes: [Int] = []) -> [String: CommandOutput] {
        let call = "service call iphonesubinfo"
        var answers = ["\(call) 1 s16 com.android.shell": CommandOutput(stdout: parcel(first))]
        for (slot, imei) in slots.enumerated() {
            answers["\(call) \(code) i32 \(slot) s16 com.android.shell"] = .init(stdout: parcel(imei))
            for other in nullCodes { answers["\(call) \(other) i32 \(slot) s16 com.android.shell"] = .init(stdout: nullParcel) }
        }
        return answers
    }

    /// A null String16 reply: status 0, length -1 (one line: 16 bytes or less).
    public static let nullParcel = "Result: " + parcelDump([0, 0xffff_ffff]) + "\n"

    /// An exception reply (`Parcel.writeException`): code -1 (`EX_SECURITY`), the message, no stack trace (0).
    public static func exceptionParcel(_ message: String) -> String {
        var units = Array(message.utf16) + [0]
        if units.count % 2 == 1 { units.append(0) }
        var words: [UInt32] = [0xffff_ffff, UInt32(message.utf16.count)]
        for i in stride(from: 0, to: units.count, by: 2) { words.append(UInt32(units[i]) | UInt32(units[i + 1]) << 16) }
        return "Result: " + parcelDump(words + [0]) + "\n"
    }

    /// `Parcel::print` of `words`: `Parcel(` then libbinder's `HexDump` (16 bytes a line, four words each printed as a
    /// little-endian value, then the bytes as text between quotes; over 16 bytes each line indented two spaces after a
    /// line break, with a `0x%08x: ` offset, the last line padded with spaces), then `)`.
    static func parcelDump(_ words: [UInt32]) -> String {
        func hex(_ w: UInt32) -> String {
            let s = String(w, radix: 16)
            return String(repeating: "0", count: 8 - s.count) + s
        }
        func text(_ chunk: ArraySlice<UInt32>) -> String {
            chunk.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
                .map { (0x20..<0x7f).contains($0) ? String(UnicodeScalar($0)) : "." }.joined()
        }
        if words.count <= 4 {
            return "Parcel(" + words.map(hex).joined(separator: " ") + String(repeating: " ", count: 4 - words.count) + " '"
                + text(words[...]) + "')"
        }
        var out = "Parcel(\n"
        for line in stride(from: 0, to: words.count, by: 4) {
            let chunk = words[line..<min(words.count, line + 4)]
            let offset = String(line * 4, radix: 16)
            out += "  0x" + String(repeating: "0", count: 8 - offset.count) + offset + ": "
            out += chunk.map(hex).joined(separator: " ").padding(toLength: 35, withPad: " ", startingAt: 0)
            out += " '" + text(chunk).padding(toLength: 16, withPad: " ", startingAt: 0) + "'"
            out += line + 4 >= words.count ? ")" : "\n"
        }
        return out
    }

    /// `dumpsys device_policy` as DevicePolicyManagerService prints it (Android 11+): the immutable state, then
    /// `Owners.dump` (`Device Owner: ` / `Profile Owner (User N): ` with `admin=`, `name=`, `package=` lines), then the
    /// enabled admins per user.
    static func devicePolicyDump(
        deviceOwner: (package: String, receiver: String)? = nil, profileOwners: [(user: Int, package: String, receiver: String)] = [],
        admins: [String] = []
    ) -> String {
        var out = """
            Current Device Policy Manager state:
              Immutable state:
                mHasFeature=true
                mIsWatch=false
                mIsAutomotive=false
                mHasTelephonyFeature=true
                mSafetyChecker=null

            """
        if let owner = deviceOwner {
            out += "  Device Owner: \n    admin=ComponentInfo{\(owner.package)/\(owner.receiver)}\n    name=\n"
            out += "    package=\(owner.package)\n    isOrganizationOwnedDevice=true\n    User ID: 0\n"
        }
        for (i, owner) in profileOwners.enumerated() {
            if deviceOwner != nil || i > 0 { out += "\n" }
            out += "  Profile Owner (User \(owner.user)): \n    admin=ComponentInfo{\(owner.package)/\(owner.receiver)}\n"
            out += "    name=\n    package=\(owner.package)\n    isOrganizationOwnedDevice=false\n"
        }
        out += "\n  Enabled Device Admins (User 0, provisioningState: 3):\n"
        for (i, admin) in admins.enumerated() {
            out += "    \(admin):\n      uid=\(10_130 + i)\n      testOnlyAdmin=false\n      policies:\n        wipe-data\n        force-lock\n"
        }
        out += "\n  Encryption Status: per-user\n"
        return out
    }
}
