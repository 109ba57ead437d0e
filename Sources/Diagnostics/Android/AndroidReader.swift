// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Reads an Android phone's trade-in facts over an ADB connection and fills a `DeviceReport`.
///
/// A real phone spends 20–60 ms starting each shell, so the reader asks in one round trip, four streams in parallel:
/// `getprop` (every property at once) with every IMEI probe, read afterwards by the codes of the release getprop
/// names; one script for accounts, the screen lock and device policy; one for battery, root indicators and storage;
/// and `tradeinmode getstatus` (the only command a phone in ADB Trade-In Mode runs). Each stream
/// has its own timeout: one that stalls leaves its facts `nil` and says so in `advice`, without holding up the
/// others. A connection-level failure (unplug, garbage) ends the whole read with that error.
public enum AndroidReader {
    public struct Options: Sendable {
        /// The most one shell command may take.
        public var commandTimeout: Duration
        public var handshake: ADBConnection.HandshakeTimeouts
        public init(commandTimeout: Duration = .seconds(10), handshake: ADBConnection.HandshakeTimeouts = .init()) {
            self.commandTimeout = commandTimeout
            self.handshake = handshake
        }
    }

    /// Advice when the phone waits for the consultant to allow USB debugging.
    public static let allowAdvice =
        "Unlock the phone and tap Allow on the \"Allow USB debugging?\" prompt (tick \"Always allow from this computer\"), then read it again."

    /// Advice when the phone shows no ADB interface.
    public static let enableDebuggingAdvice =
        "Turn on USB debugging: Settings › About phone › tap Build number 7 times, then Settings › System › Developer options › USB debugging, and plug the phone in again."

    /// Connects over `transport` and reads the phone. A phone that never allows our key gives a report with
    /// `pairing: .unauthorized` rather than an error; `onAwaitingAllow` fires when its prompt is showing.
    public static func inspect(
        over transport: any ADBTransport, key: ADBKey, options: Options = Options(), usbSerial: String? = nil,
        onAwaitingAllow: @Sendable () -> Void = {}
    ) async throws -> DeviceReport {
        let connection: ADBConnection
        do {
            connection = try await ADBConnection.connect(
                over: transport, key: key, timeouts: options.handshake, onAwaitingAllow: onAwaitingAllow)
        } catch DiagnosticsError.Code.notTrusted {
            return DeviceReport(
                platform: .android, serial: usbSerial, model: .init(identifier: nil, brand: nil), pairing: .unauthorized,
                locks: .init(), advice: allowAdvice)
        }
        defer { connection.close() }
        return try await read(connection, options: options, usbSerial: usbSerial)
    }

    /// The report for a phone whose USB descriptors show no ADB interface (USB debugging is off).
    public static func noDebuggingReport(serial: String?, manufacturer: String?, product: String?, vendorID: UInt16, productID: UInt16)
        -> DeviceReport
    {
        var details = ["usb_id": String(format: "%04x:%04x", vendorID, productID)]
        if let product { details["usb_product"] = product }
        if let manufacturer { details["usb_manufacturer"] = manufacturer }
        return DeviceReport(
            platform: .android, serial: serial, model: .init(identifier: nil, brand: manufacturer), pairing: .noDebugging,
            locks: .init(), details: details, advice: enableDebuggingAdvice)
    }

    // MARK: - Reading

    static let suCandidates = [
        "/system/bin/su", "/system/xbin/su", "/sbin/su", "/su/bin/su", "/system/sbin/su", "/vendor/bin/su",
        "/data/local/xbin/su", "/data/local/bin/su", "/data/local/su", "/system/app/Superuser.apk", "/data/adb/magisk",
    ]

    static let batterySysfs = "/sys/class/power_supply/battery/"

    /// Accounts, screen lock and device policy (MDM).
    static let accountsScript = script([
        ("accounts", "dumpsys account"),
        ("lock_settings", "dumpsys lock_settings"),
        ("lock_disabled", "cmd lock_settings get-disabled"),
        ("device_policy", "dumpsys device_policy"),
    ])

    /// Battery, root indicators and storage.
    static let healthScript = script([
        ("battery", "dumpsys battery"),
        ("cycle_count", "cat \(batterySysfs)cycle_count"),
        ("battery_cycle", "cat \(batterySysfs)battery_cycle"),
        ("charge_full", "cat \(batterySysfs)charge_full"),
        ("charge_full_design", "cat \(batterySysfs)charge_full_design"),
        ("su", "ls -d " + suCandidates.joined(separator: " ")),
        ("partitions", "cat /proc/partitions"),
        ("df", "df /data"),
    ])

    /// One shell command running each part after an `echo @@name@@` marker, errors silenced.
    static func script(_ parts: [(name: String, command: String)]) -> String {
        parts.map { "echo @@\($0.name)@@; \($0.command) 2>/dev/null" }.joined(separator: "; ")
    }

    /// The IMEI probes, all sent in the first round beside `getprop` (one shell spawn), whatever the release: the
    /// answers are read afterwards by the transaction codes AOSP's `IPhoneSubInfo.aidl` gives the release the same
    /// script reported (`imeiCode`). `1 s16 com.android.shell` is `getDeviceId(callingPackage)`, the default slot, on
    /// every release from 5.1; `3`/`4 i32 SLOT s16 com.android.shell` is `getDeviceIdForPhone` on 5.1–10 / 11+.
    static let imeiProbes: [(name: String, command: String)] = [
        ("imei_1", "service call iphonesubinfo 1 s16 com.android.shell"),
        ("imei_3_0", "service call iphonesubinfo 3 i32 0 s16 com.android.shell"),
        ("imei_3_1", "service call iphonesubinfo 3 i32 1 s16 com.android.shell"),
        ("imei_4_0", "service call iphonesubinfo 4 i32 0 s16 com.android.shell"),
        ("imei_4_1", "service call iphonesubinfo 4 i32 1 s16 com.android.shell"),
    ]

    /// Round one's identity script: every property, then every IMEI probe.
    static let identityScript = script([("getprop", "getprop")] + imeiProbes)

    /// The SIM slots read (dual SIM is the most a trade-in phone carries).
    static let slots = 0..<2

    /// The `getDeviceIdForPhone(slot)` transaction code for a release, by method order in AOSP `IPhoneSubInfo.aidl`:
    /// Android 5.1–10 (API 22–29) put it third (`getDeviceId`, `getNaiForSubscriber`, `getDeviceIdForPhone`), Android 11
    /// and later fourth (`getDeviceIdWithFeature` came second; the same first five methods in the newest tree read,
    /// yaap/frameworks_base@3ddcaa0, which already has `getImsPrivateUserIdentity` and `getUiccIari`). Huawei
    /// builds of Android 9 shift the codes from 3 on by one: there code 4 answers, which stock AOSP 9 cannot (4 is
    /// `getImeiForSubscriber`, and no subscription has id 0), so `huaweiShifted` is decided by that answer. `nil`
    /// below Android 5.1.
    public static func imeiCode(sdk: Int, huaweiShifted: Bool = false) -> Int? {
        switch sdk {
        case 22...27, 29: 3
        case 28: huaweiShifted ? 4 : 3
        case 30...: 4
        default: nil
        }
    }

    /// The IMEIs in slot order from the identity script's sections, or why there are none.
    static func imeis(sections: [String: String], props: [String: String]) -> (imeis: [String], problem: String?) {
        func valid(_ section: String) -> String? {
            sections[section].flatMap(AndroidParsers.parcelString).flatMap { AndroidParsers.isValidIMEI($0) ? $0 : nil }
        }
        let maker = ((props["ro.product.manufacturer"] ?? "") + " " + (props["ro.product.brand"] ?? "")).lowercased()
        let sdk = props["ro.build.version.sdk"].flatMap(Int.init)
        var bySlot: [String] = []
        var used: [String] = []
        if let sdk {
            let huawei = maker.contains("huawei") || maker.contains("honor")
            if let code = imeiCode(sdk: sdk, huaweiShifted: huawei && valid("imei_4_0") != nil) {
                for slot in slots {
                    used.append("imei_\(code)_\(slot)")
                    if let imei = valid("imei_\(code)_\(slot)") ?? props["ro.ril.miui.imei\(slot)"].flatMap({ AndroidParsers.isValidIMEI($0) ? $0 : nil }) {
                        // A dual-SIM phone answering the same IMEI for both slots has one IMEI.
                        if !bySlot.contains(imei) { bySlot.append(imei) }
                    }
                }
            }
        }
        if bySlot.isEmpty, let imei = valid("imei_1") { bySlot = [imei] }
        used.append("imei_1")
        guard bySlot.isEmpty else { return (bySlot, nil) }
        if sections.isEmpty { return ([], "the phone did not answer the IMEI calls") }
        guard let sdk else { return ([], "the phone did not give its Android version, so its IMEI call could not be chosen") }
        if sdk < 22 { return ([], "Android \(props["ro.build.version.release"] ?? "below 5.1") has no IMEI call this agent reads") }
        if let refusal = used.lazy.compactMap({ sections[$0].flatMap(AndroidParsers.parcelException) }).first {
            return ([], "the phone refused the IMEI call (\(refusal))")
        }
        return ([], "the phone answered no IMEI (no cellular modem, or one that does not say)")
    }

    /// What one stream gave: its output, or why not.
    enum Outcome: Sendable {
        case output(ADBShellResult)
        case failed(DiagnosticsError)

        var text: String? {
            if case .output(let r) = self { return r.text }
            return nil
        }
    }

    /// Reads every fact over an open connection.
    public static func read(_ connection: ADBConnection, options: Options = Options(), usbSerial: String? = nil) async throws
        -> DeviceReport
    {
        let timeout = options.commandTimeout
        @Sendable func run(_ command: String) async throws -> Outcome {
            do {
                return .output(try await connection.shell(command, timeout: timeout))
            } catch let error as DiagnosticsError where error.code == .timedOut || error.code == .refused {
                return .failed(error)
            }
        }
        // One round trip, every stream at once: getprop and every IMEI probe; accounts, lock and device policy;
        // battery, root and storage; trade-in status.
        async let identity = run(identityScript)
        async let accounts = run(accountsScript)
        async let health = run(healthScript)
        async let tradeIn = run("tradeinmode getstatus")
        return assemble(
            banner: connection.banner, identity: try await identity, accounts: try await accounts, health: try await health,
            tradeIn: try await tradeIn, usbSerial: usbSerial, transport: connection.endpoint.hasPrefix("usb") ? "usb" : "tcp")
    }

    // MARK: - Assembling the report

    static func assemble(
        banner: ADBBanner, identity: Outcome, accounts: Outcome, health: Outcome, tradeIn: Outcome, usbSerial: String?,
        transport: String
    ) -> DeviceReport {
        var problems: [String] = []
        for outcome in [identity, accounts, health] {
            if case .failed(let error) = outcome, error.code == .timedOut { problems.append(error.message) }
        }
        let identitySections = identity.text.map(AndroidParsers.sections) ?? [:]
        let props = identitySections["getprop"].map(AndroidParsers.properties) ?? [:]
        let propsReadable = !props.isEmpty
        let status = tradeIn.text.flatMap(AndroidParsers.tradeInStatus)
        // ADB Trade-In Mode: adbd refuses every service but `shell:tradeinmode ...`, so getprop cannot run and only
        // the status answers; with getprop readable, `persist.adb.tradeinmode` tells (1 TIM, 2 evaluation mode).
        var identityRefused = false
        if case .failed(let error) = identity, error.code == .refused { identityRefused = true }
        let inTradeInMode = props["persist.adb.tradeinmode"] == "1" || (!propsReadable && identityRefused && status != nil)

        func prop(_ keys: String...) -> String? {
            for k in keys { if let v = props[k]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { return v } }
            return nil
        }
        var details: [String: String] = ["transport": transport]
        let modelCode = prop("ro.product.model", "ro.product.vendor.model") ?? status?.model ?? banner.properties["ro.product.model"]
        let brand = prop("ro.product.brand", "ro.product.vendor.brand") ?? status?.brand
        if let m = prop("ro.product.manufacturer", "ro.product.vendor.manufacturer") ?? status?.manufacturer { details["manufacturer"] = m }
        if let d = prop("ro.product.device") ?? status?.device ?? banner.properties["ro.product.device"] { details["device"] = d }
        if let sdk = prop("ro.build.version.sdk") { details["android_sdk"] = sdk }
        if let patch = prop("ro.build.version.security_patch") { details["security_patch"] = patch }
        if let fp = prop("ro.build.fingerprint") { details["build_fingerprint"] = fp }

        // Bootloader and OEM unlock.
        switch prop("ro.boot.flash.locked") {
        case "1": details["bootloader"] = "locked"
        case "0": details["bootloader"] = "unlocked"
        default: break
        }
        if let vbs = prop("ro.boot.verifiedbootstate") {
            details["verified_boot_state"] = vbs
            if details["bootloader"] == nil, vbs == "orange" { details["bootloader"] = "unlocked" }
            if details["bootloader"] == nil, vbs == "green" { details["bootloader"] = "locked" }
        }
        switch prop("sys.oem_unlock_allowed") {
        case "1": details["oem_unlock_allowed"] = "true"
        case "0": details["oem_unlock_allowed"] = "false"
        default: break
        }

        // Accounts, screen lock, device policy.
        var locks = DeviceReport.Locks()
        let accountSections = accounts.text.map(AndroidParsers.sections) ?? [:]
        if let dump = accountSections["accounts"], let types = AndroidParsers.accountTypes(dump) {
            locks.accounts = types
            locks.frpArmed = types.contains("com.google")
        }
        locks.passcodeSet = AndroidParsers.screenLockSet(
            lockSettingsDump: accountSections["lock_settings"], getDisabled: accountSections["lock_disabled"])
        if let policy = accountSections["device_policy"].flatMap(AndroidParsers.devicePolicy) {
            locks.mdm = policy.managed
            if let owner = policy.deviceOwner { details["device_owner"] = policy.deviceOwnerAdmin.map { "\(owner) (\($0))" } ?? owner }
            if !policy.profileOwners.isEmpty {
                details["profile_owner"] = policy.profileOwners.map { "\($0.package) (user \($0.user))" }.joined(separator: ", ")
            }
        }

        // SIM slots and the carrier lock: `gsm.sim.state` holds one AOSP state a slot (`READY,ABSENT`); a slot whose SIM
        // the phone refuses (`NETWORK_LOCKED`) says the phone is locked to another carrier.
        if let slots = SIMState.slots(prop("gsm.sim.state")) {
            locks.simState = slots
            locks.networkLock = NetworkLock(simStates: slots)
        }

        // Battery, root, storage.
        let healthSections = health.text.map(AndroidParsers.sections) ?? [:]
        var battery: DeviceReport.Battery?
        let dump = healthSections["battery"].flatMap(AndroidParsers.batteryDump)
        let cycles = AndroidParsers.sysfsInteger(healthSections["cycle_count"])
            ?? AndroidParsers.sysfsInteger(healthSections["battery_cycle"]) ?? dump?.cycleCount ?? status?.cycleCount
        let fullMAh = AndroidParsers.sysfsInteger(healthSections["charge_full"]).map { $0 / 1000 }
        let designMAh = AndroidParsers.sysfsInteger(healthSections["charge_full_design"]).map { $0 / 1000 }
        let healthPercent = AndroidParsers.healthPercent(full: fullMAh, design: designMAh) ?? dump?.samsungAsoc ?? status?.healthPercent
        if dump != nil || cycles != nil || fullMAh != nil || healthPercent != nil {
            battery = DeviceReport.Battery(
                healthPercent: healthPercent, cycleCount: cycles, designCapacityMAh: designMAh.flatMap { $0 > 0 ? $0 : nil },
                fullChargeCapacityMAh: fullMAh.flatMap { $0 > 0 ? $0 : nil }, levelPercent: dump?.levelPercent,
                temperatureC: dump?.temperatureC)
        }
        if let code = dump?.healthCode ?? status?.legacyHealth, let name = AndroidParsers.batteryHealthName(code) {
            details["battery_health"] = name
        }
        if propsReadable || healthSections["su"] != nil {
            var root = AndroidParsers.existingPaths(healthSections["su"], among: suCandidates)
            if props["ro.debuggable"] == "1" { root.append("ro.debuggable=1") }
            if let tags = props["ro.build.tags"], tags.contains("test-keys") { root.append("test-keys") }
            details["root_indicators"] = root.isEmpty ? "none" : root.joined(separator: ",")
        }
        let storage = AndroidParsers.storageGB(partitions: healthSections["partitions"], dfData: healthSections["df"])
            ?? status?.capacityBytes.flatMap { AndroidParsers.standardSize(bytes: Double($0)) }

        // IMEIs: the service calls by the release's codes, the Xiaomi property, or the trade-in status.
        var (imeiList, imeiProblem) = imeis(sections: identitySections, props: props)
        if imeiList.isEmpty, let fromStatus = status?.imeis, !fromStatus.isEmpty {
            imeiList = fromStatus
            imeiProblem = nil
        }

        let serial = prop("ro.serialno", "ro.boot.serialno", "ril.serialnumber") ?? status?.serial
            ?? (banner.serial.isEmpty ? nil : banner.serial) ?? usbSerial

        if let status {
            if let level = status.launchLevel {
                details["launch_level"] = String(level)
                if let release = AndroidParsers.androidRelease(apiLevel: level) { details["launch_android"] = release }
            }
            if let name = status.name { details["product_name"] = name }
            if let remaining = status.usefulLifetimeRemaining { details["storage_lifetime_remaining"] = String(remaining) }
            if let part = status.batteryPartStatus { details["battery_part_status"] = part }
        }
        var advice: String? = problems.isEmpty ? nil : problems.joined(separator: " ")
        func advise(_ sentence: String) { advice = advice.map { $0 + " " + sentence } ?? sentence }
        switch props["persist.adb.tradeinmode"] {
        case "2": details["trade_in_mode"] = "evaluation"
        default: break
        }
        if inTradeInMode {
            details["trade_in_mode"] = "true"
            if let frp = status?.frpActive {
                // FRP on a phone in the setup wizard means the last owner's account still holds it.
                locks.frpArmed = frp
                details["factory_reset_protection"] = frp ? "active" : "inactive"
            }
            if status == nil {
                advise("The phone is in trade-in mode but did not give its status; finish the setup wizard and turn on USB debugging for a full read.")
            } else if status?.frpActive == true {
                advise("Factory reset protection is on: the phone shows nothing else in trade-in mode. The previous owner must sign in on the phone (or remove it from their Google account) before it can be taken.")
            }
        } else if identityRefused && !propsReadable {
            advise("The phone refused the shell and gave no trade-in status; finish the setup wizard and turn on USB debugging for a full read.")
        } else if imeiList.isEmpty, let imeiProblem, propsReadable || identity.text != nil {
            advise("The IMEI could not be read: \(imeiProblem). Read it from the SIM tray or dial *#06# on the phone, and type it in.")
        }
        return DeviceReport(
            platform: .android, serial: serial, model: .init(identifier: modelCode, brand: brand),
            osVersion: prop("ro.build.version.release"), imei: imeiList.isEmpty ? nil : imeiList,
            storageGB: storage, pairing: inTradeInMode ? .tradeInMode : .authorized, locks: locks, battery: battery,
            details: details, advice: advice)
    }
}
