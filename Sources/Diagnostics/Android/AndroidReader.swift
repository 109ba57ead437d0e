// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Reads an Android phone's trade-in facts over an ADB connection and fills a `DeviceReport`.
///
/// A real phone spends 20–60 ms starting each shell, so the reader asks in few round trips, in parallel:
/// `getprop` (every property at once) followed by the IMEI calls its SDK level picks; one script for accounts
/// and the screen lock; one for battery, root indicators and storage; and `tradeinmode getstatus`. Each stream
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
    /// `pairing: "unauthorized"` rather than an error; `onAwaitingAllow` fires when its prompt is showing.
    public static func inspect(
        over transport: any ADBTransport, key: ADBKey, options: Options = Options(), usbSerial: String? = nil,
        onAwaitingAllow: @Sendable () -> Void = {}
    ) async throws -> DeviceReport {
        let connection: ADBConnection
        do {
            connection = try await ADBConnection.connect(
                over: transport, key: key, timeouts: options.handshake, onAwaitingAllow: onAwaitingAllow)
        } catch ADBError.unauthorized {
            return DeviceReport(
                platform: "android", serial: usbSerial, model: .init(identifier: nil, brand: nil), pairing: "unauthorized",
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
            platform: "android", serial: serial, model: .init(identifier: nil, brand: manufacturer), pairing: "no_debugging",
            locks: .init(), details: details, advice: enableDebuggingAdvice)
    }

    // MARK: - Reading

    static let suCandidates = [
        "/system/bin/su", "/system/xbin/su", "/sbin/su", "/su/bin/su", "/system/sbin/su", "/vendor/bin/su",
        "/data/local/xbin/su", "/data/local/bin/su", "/data/local/su", "/system/app/Superuser.apk", "/data/adb/magisk",
    ]

    static let batterySysfs = "/sys/class/power_supply/battery/"

    /// Accounts and screen lock.
    static let accountsScript = script([
        ("accounts", "dumpsys account"),
        ("lock_settings", "dumpsys lock_settings"),
        ("lock_disabled", "cmd lock_settings get-disabled"),
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

    /// The `service call iphonesubinfo` commands that return the IMEI of each slot, by SDK level: the method
    /// codes of `IPhoneSubInfo.aidl` move between releases (`getDeviceId` is 1 up to Android 9;
    /// `getDeviceIdForPhone(slot)` is 4 on Android 10–13 and 16 from Android 14). Several candidates per slot
    /// are fine: the first answer that is a valid IMEI wins.
    public static func imeiCommands(sdk: Int) -> [(slot: Int, command: String)] {
        let pkg = "s16 com.android.shell"
        switch sdk {
        case 21...28:
            return [(0, "service call iphonesubinfo 1 \(pkg)")]
        case 29...33:
            return [(0, "service call iphonesubinfo 4 i32 0 \(pkg)"), (1, "service call iphonesubinfo 4 i32 1 \(pkg)"),
                    (0, "service call iphonesubinfo 1 \(pkg)")]
        case 34...:
            return [(0, "service call iphonesubinfo 16 i32 0 \(pkg)"), (1, "service call iphonesubinfo 16 i32 1 \(pkg)"),
                    (0, "service call iphonesubinfo 15 i32 0 \(pkg)"), (1, "service call iphonesubinfo 15 i32 1 \(pkg)")]
        default:
            return []
        }
    }

    /// What one stream gave: its output, or why not.
    enum Outcome: Sendable {
        case output(ADBShellResult)
        case failed(ADBError)

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
            } catch let error as ADBError {
                switch error {
                case .timedOut, .serviceRefused: return .failed(error)
                default: throw error
                }
            }
        }
        // Round trip one (parallel): getprop → IMEI, accounts+lock, health, trade-in status.
        async let propsAndIMEI: (Outcome, Outcome?) = {
            let props = try await run("getprop")
            guard case .output(let r) = props, r.exitCode ?? 0 == 0,
                let sdk = AndroidParsers.properties(r.text)["ro.build.version.sdk"].flatMap(Int.init)
            else { return (props, nil) }
            let commands = imeiCommands(sdk: sdk)
            guard !commands.isEmpty else { return (props, nil) }
            let imeiScript = script(commands.enumerated().map { (name: "imei_\($1.slot)_\($0)", command: $1.command) })
            return (props, try await run(imeiScript))
        }()
        async let accounts = run(accountsScript)
        async let health = run(healthScript)
        async let tradeIn = run("tradeinmode getstatus")
        let (props, imei) = try await propsAndIMEI
        return assemble(
            banner: connection.banner, props: props, imei: imei, accounts: try await accounts, health: try await health,
            tradeIn: try await tradeIn, usbSerial: usbSerial, transport: connection.endpoint.hasPrefix("usb") ? "usb" : "tcp")
    }

    // MARK: - Assembling the report

    static func assemble(
        banner: ADBBanner, props propsOutcome: Outcome, imei: Outcome?, accounts: Outcome, health: Outcome, tradeIn: Outcome,
        usbSerial: String?, transport: String
    ) -> DeviceReport {
        var problems: [String] = []
        for outcome in [propsOutcome, accounts, health] {
            if case .failed(let error) = outcome, case .timedOut = error { problems.append(error.description) }
        }
        var propsReadable = false
        var props: [String: String] = [:]
        if case .output(let r) = propsOutcome, r.exitCode ?? 0 == 0 {
            props = AndroidParsers.properties(r.text)
            propsReadable = !props.isEmpty
        }
        let status = tradeIn.text.flatMap(AndroidParsers.tradeInStatus)
        let inTradeInMode = props["service.adb.tradeinmode"] == "1" || (!propsReadable && status != nil)

        func prop(_ keys: String...) -> String? {
            for k in keys { if let v = props[k]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { return v } }
            return nil
        }
        var details: [String: String] = ["transport": transport]
        let modelCode = prop("ro.product.model", "ro.product.vendor.model") ?? status?.model ?? banner.properties["ro.product.model"]
        let brand = prop("ro.product.brand", "ro.product.vendor.brand") ?? status?.brand
        if let m = prop("ro.product.manufacturer", "ro.product.vendor.manufacturer") ?? status?.manufacturer { details["manufacturer"] = m }
        if let d = prop("ro.product.device") ?? banner.properties["ro.product.device"] { details["device"] = d }
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

        // Accounts and screen lock.
        var locks = DeviceReport.Locks()
        let accountSections = accounts.text.map(AndroidParsers.sections) ?? [:]
        if let dump = accountSections["accounts"], let types = AndroidParsers.accountTypes(dump) {
            locks.accounts = types
            locks.frpArmed = types.contains("com.google")
        } else if let active = status?.frpActive {
            locks.frpArmed = active
        }
        locks.passcodeSet = AndroidParsers.screenLockSet(
            lockSettingsDump: accountSections["lock_settings"], getDisabled: accountSections["lock_disabled"])

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
            if let code = dump?.healthCode, let name = AndroidParsers.batteryHealthName(code) { details["battery_health"] = name }
        }
        if propsReadable || healthSections["su"] != nil {
            var root = AndroidParsers.existingPaths(healthSections["su"], among: suCandidates)
            if props["ro.debuggable"] == "1" { root.append("ro.debuggable=1") }
            if let tags = props["ro.build.tags"], tags.contains("test-keys") { root.append("test-keys") }
            details["root_indicators"] = root.isEmpty ? "none" : root.joined(separator: ",")
        }
        let storage = AndroidParsers.storageGB(partitions: healthSections["partitions"], dfData: healthSections["df"])
            ?? status?.storageBytes.flatMap { AndroidParsers.standardSize(bytes: Double($0)) }

        // IMEI per slot: the first valid answer for each slot.
        var imeis: [Int: String] = [:]
        let answers = (imei?.text.map(AndroidParsers.sections) ?? [:]).compactMap { entry -> (slot: Int, order: Int, text: String)? in
            let parts = entry.key.split(separator: "_")
            guard parts.count == 3, parts[0] == "imei", let slot = Int(parts[1]), let order = Int(parts[2]) else { return nil }
            return (slot, order, entry.value)
        }
        for answer in answers.sorted(by: { $0.order < $1.order }) where imeis[answer.slot] == nil {
            guard let value = AndroidParsers.parcelString(answer.text), AndroidParsers.isValidIMEI(value) else { continue }
            imeis[answer.slot] = value
        }
        var imeiList = imeis.keys.sorted().compactMap { imeis[$0] }
        // A dual-SIM phone answering the same IMEI for both slots has one IMEI.
        imeiList = imeiList.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        if imeiList.isEmpty, let fromStatus = status?.imeis, !fromStatus.isEmpty { imeiList = fromStatus }

        let serial = prop("ro.serialno", "ro.boot.serialno", "ril.serialnumber") ?? status?.serial
            ?? (banner.serial.isEmpty ? nil : banner.serial) ?? usbSerial

        var advice: String? = problems.isEmpty ? nil : problems.joined(separator: " ")
        if inTradeInMode {
            details["trade_in_mode"] = "true"
            if advice == nil && status == nil {
                advice = "The phone is in trade-in mode but did not give its status; finish the setup wizard and turn on USB debugging for a full read."
            }
        }
        return DeviceReport(
            platform: "android", serial: serial, model: .init(identifier: modelCode, brand: brand),
            osVersion: prop("ro.build.version.release") ?? status?.osVersion, imei: imeiList.isEmpty ? nil : imeiList,
            storageGB: storage, pairing: inTradeInMode ? "trade_in_mode" : "authorized", locks: locks, battery: battery,
            details: details, advice: advice)
    }
}
