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
            "ro.build.version.security_patch": "2024-03-01",
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
            "df /data": .init(stdout: df(kib: 52_711_424)),
            "cat /proc/partitions": .init(stdout: partitions([("mmcblk0", 61_071_360), ("mmcblk0p1", 8192), ("mmcblk0boot0", 4096)])),
        ]
    )

    /// A Google Pixel 8 on Android 15 in ADB trade-in mode (setup wizard): no authorisation, only `tradeinmode`.
    public static let pixel8TradeIn = ADBDeviceProfile(
        name: "pixel-8-trade-in",
        properties: commonProperties.merging([
            "ro.product.brand": "google", "ro.product.manufacturer": "Google", "ro.product.model": "Pixel 8",
            "ro.product.name": "shiba", "ro.product.device": "shiba", "ro.serialno": "38021FDH2000KZ",
            "ro.build.version.release": "15", "ro.build.version.sdk": "35", "service.adb.tradeinmode": "1",
        ]) { $1 },
        commands: [
            "tradeinmode getstatus": .init(stdout: """
                {"serial":"38021FDH2000KZ","product":{"brand":"google","manufacturer":"Google","model":"Pixel 8",\
                "device":"shiba"},"build":{"release":"15"},"imeis":["352814098765439"],\
                "battery":{"cycle_count":143,"state_of_health":94,"manufacturing_date":"2023-09-14"},\
                "storage":{"capacity_bytes":128000000000,"useful_lifetime_remaining":98},"frp_active":false}

                """),
        ],
        tradeInMode: true
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
    public static let fixtures: [ADBDeviceProfile] = [samsungS10, xiaomiRedmiNote10, pixel8TradeIn, huaweiP20Lite]

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

    /// The `service call` reply for a String16: status 0, length, UTF-16 units two per word (low half first),
    /// NUL-terminated and padded, in `Parcel::print`'s layout of four words a line with a text column.
    public static func parcel(_ string: String) -> String {
        var units = Array(string.utf16) + [0]
        if units.count % 2 == 1 { units.append(0) }
        var words: [UInt32] = [0, UInt32(string.utf16.count)]
        for i in stride(from: 0, to: units.count, by: 2) { words.append(UInt32(units[i]) | UInt32(units[i + 1]) << 16) }
        var out = "Result: Parcel(\n"
        for line in stride(from: 0, to: words.count, by: 4) {
            let chunk = words[line..<min(words.count, line + 4)]
            let hex = chunk.map { w -> String in
                let s = String(w, radix: 16)
                return String(repeating: "0", count: 8 - s.count) + s
            }
            let text = chunk.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
                .map { (0x20..<0x7f).contains($0) ? String(UnicodeScalar($0)) : "." }.joined()
            let offset = String(line * 4, radix: 16)
            out += "  0x" + String(repeating: "0", count: 8 - offset.count) + offset + ": "
            out += hex.joined(separator: " ").padding(toLength: 35, withPad: " ", startingAt: 0) + " '" + text + "'"
            out += line + 4 >= words.count ? ")\n" : "\n"
        }
        return out
    }
}
