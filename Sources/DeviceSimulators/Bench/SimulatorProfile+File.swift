// SPDX-License-Identifier: Apache-2.0
//
// Profile files for `intake-agent simulate`: one JSON object per file describing one simulated phone, every field
// checked, a mistake refused with the file, the field and what was expected. The format is documented in the
// README ("Test runs with simulated devices"); what each field becomes on the wire is said beside it below.

import Diagnostics
import Foundation

extension SimulatorProfile {
    /// Reads one profile file. `platform` (`ios` or `android`) is the flag it was given with; the file must say
    /// the same.
    public static func load(file path: String, platform: String) throws(SimulatorProfileError) -> SimulatorProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulatorProfileError(file: path, field: "", expected: "a readable file (check the path), or a built-in profile's name from `simulate --list`")
        }
        let value: ProfileJSON
        do {
            value = try JSONDecoder().decode(ProfileJSON.self, from: data)
        } catch {
            throw SimulatorProfileError(file: path, field: "", expected: "it is not valid JSON (\(Self.syntaxDetail(error)))")
        }
        let root = try ProfileFields(file: path, path: "", value: value)
        guard let declared = try root.choice("platform", ["ios", "android"]) else {
            throw root.missing("platform", "\"ios\" or \"android\"")
        }
        guard declared == platform else {
            throw root.error("platform", "\"\(platform)\" for --\(platform) (this is an \(declared == "ios" ? "iOS" : "Android") profile: pass it with --\(declared))")
        }
        return declared == "ios" ? try iOSProfile(root) : try androidProfile(root)
    }

    private static func syntaxDetail(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }

    // MARK: - iOS

    static let iOSFields = ["platform", "name", "summary", "base", "identity", "imei", "storage_bytes", "lockdown", "locks", "battery", "trust", "faults"]

    private static func iOSProfile(_ root: ProfileFields) throws(SimulatorProfileError) -> SimulatorProfile {
        try root.only(iOSFields)
        let name = try root.name()
        var profile: IOS
        let base = try baseProfile(root, platform: "ios")
        if let base, case .ios(let ios) = base.device {
            profile = ios
        } else {
            try root.require(["identity", "storage_bytes", "battery"])
            profile = IOS(device: SimulatedIOSDevice(
                udid: "", productType: "", productVersion: "", buildVersion: "", deviceClass: "iPhone", deviceName: "iPhone",
                serialNumber: "", imei: [], totalDiskCapacity: 0,
                battery: .init(designCapacity: 0, nominalChargeCapacity: nil, appleRawMaxCapacity: nil, cycleCount: 0)), paired: true)
        }
        let noBase = base == nil
        var device = profile.device

        if let identity = try root.object("identity") {
            try identity.only(["udid", "serial_number", "product_type", "product_version", "build_version", "device_class", "device_name", "usb_product_id"])
            if noBase { try identity.require(["udid", "serial_number", "product_type", "product_version", "build_version"]) }
            if let udid = try identity.string("udid") {
                let hex = udid.replacingOccurrences(of: "-", with: "")
                let shapeOK = (udid.count == 40 && !udid.contains("-")) || (udid.count == 25 && udid.dropFirst(8).first == "-")
                guard shapeOK, hex.allSatisfy(\.isHexDigit) else {
                    throw identity.error("udid", "a UDID: 40 hex digits, or 8 and 16 hex digits with a dash (00008030-001A2C3E0C38802E)")
                }
                device.udid = udid
            }
            if let serial = try identity.string("serial_number") { device.serialNumber = serial }
            if let type = try identity.string("product_type") {
                guard type.contains(","), type.first?.isLetter == true else {
                    throw identity.error("product_type", "an Apple model identifier such as iPhone12,1")
                }
                device.productType = type
                if noBase { device.deviceClass = type.hasPrefix("iPad") ? "iPad" : "iPhone" }
                if noBase { device.deviceName = device.deviceClass }
            }
            if let version = try identity.string("product_version") { device.productVersion = version }
            if let build = try identity.string("build_version") { device.buildVersion = build }
            if let deviceClass = try identity.choice("device_class", ["iPhone", "iPad", "iPod"]) { device.deviceClass = deviceClass }
            if let deviceName = try identity.string("device_name") { device.deviceName = deviceName }
            if let pid = try identity.integer("usb_product_id", in: 0...0xffff) { device.usbProductID = pid }
        }
        if let imeis = try root.imeis() { device.imei = imeis }
        if let bytes = try root.integer("storage_bytes", in: 1...Int.max) { device.totalDiskCapacity = bytes }

        if let lockdown = try root.object("lockdown") {
            try lockdown.only(["activation_state", "device_color", "enclosure_color", "sim_status", "session_ssl"])
            if let state = try lockdown.choice("activation_state", ["Activated", "Unactivated", "FactoryActivated"]) { device.activationState = state }
            if let color = try lockdown.string("device_color") { device.deviceColor = color }
            if let color = try lockdown.string("enclosure_color") { device.enclosureColor = color }
            if lockdown.isNull("sim_status") { device.simStatus = nil } else if let sim = try lockdown.string("sim_status") { device.simStatus = sim }
            if let ssl = try lockdown.bool("session_ssl") { device.sessionSSL = ssl }
        }
        if let locks = try root.object("locks") {
            try locks.only(["passcode", "find_my", "mdm_organization", "supervised"])
            if let passcode = try locks.bool("passcode") { device.passwordProtected = passcode }
            if locks.isNull("find_my") { device.findMyAssociated = nil } else if let findMy = try locks.bool("find_my") { device.findMyAssociated = findMy }
            if locks.isNull("mdm_organization") { device.mdmOrganization = nil } else if let org = try locks.string("mdm_organization") { device.mdmOrganization = org }
            if let supervised = try locks.bool("supervised") { device.supervised = supervised }
        }
        if let battery = try root.object("battery") {
            try battery.only(["entry", "design_capacity_mah", "nominal_charge_capacity_mah", "raw_max_capacity_mah", "cycle_count", "charge_percent", "temperature_centi_celsius"])
            if noBase { try battery.require(["design_capacity_mah", "cycle_count"]) }
            if let entry = try battery.choice("entry", ["AppleSmartBattery", "AppleARMPMUCharger"]) { device.battery.entryName = entry }
            if let design = try battery.integer("design_capacity_mah", in: 1...100_000) { device.battery.designCapacity = design }
            if battery.isNull("nominal_charge_capacity_mah") {
                device.battery.nominalChargeCapacity = nil
            } else if let nominal = try battery.integer("nominal_charge_capacity_mah", in: 1...100_000) {
                device.battery.nominalChargeCapacity = nominal
            }
            if battery.isNull("raw_max_capacity_mah") {
                device.battery.appleRawMaxCapacity = nil
            } else if let raw = try battery.integer("raw_max_capacity_mah", in: 1...100_000) {
                device.battery.appleRawMaxCapacity = raw
            }
            if let cycles = try battery.integer("cycle_count", in: 0...100_000) { device.battery.cycleCount = cycles }
            if let charge = try battery.integer("charge_percent", in: 0...100) { device.battery.currentCapacity = charge }
            if let temperature = try battery.integer("temperature_centi_celsius", in: -4000...8000) { device.battery.temperature = temperature }
        }
        if let trust = try root.choice("trust", ["paired", "accepts", "asks", "passcode_locked", "denies"]) {
            profile.paired = trust == "paired"
            switch trust {
            case "asks": device.trust = .neverAnswers
            case "passcode_locked": device.trust = .passcodeLocked
            case "denies": device.trust = .denies
            default: device.trust = .accepts(afterAttempts: 0)
            }
        }
        if let faults = try root.object("faults") {
            try faults.only(["slow_replies_ms", "drop_after_requests", "never_answering_service", "close_after_reply"])
            if let ms = try faults.integer("slow_replies_ms", in: 0...60_000) { profile.latency = .milliseconds(ms) }
            let exclusive = ["drop_after_requests", "never_answering_service", "close_after_reply"].filter(faults.has)
            guard exclusive.count <= 1 else {
                throw faults.error(exclusive[1], "one of drop_after_requests, never_answering_service and close_after_reply at a time (\(exclusive[0]) is given too)")
            }
            if let count = try faults.integer("drop_after_requests", in: 0...100_000) { profile.misbehaviour = .dropAfterRequests(count) }
            if let service = try faults.choice("never_answering_service", ["com.apple.mobile.diagnostics_relay", "com.apple.mobile.MCInstall"]) {
                profile.misbehaviour = .serviceNeverAnswers(service: service)
            }
            if let request = try faults.string("close_after_reply") { profile.misbehaviour = .closeAfterReply(request: request) }
        }
        profile.device = device
        let summary = try root.string("summary") ?? base.map { "Based on \($0.name): \($0.summary)" }
            ?? "\(device.deviceClass) \(device.productType) from \(root.file)."
        return SimulatorProfile(name: name, summary: summary, device: .ios(profile))
    }

    // MARK: - Android

    static let androidFields = [
        "platform", "name", "summary", "base", "identity", "properties", "imei", "accounts", "locks", "battery", "files", "shell",
        "features", "trade_in_mode", "auth", "allow_after_ms", "faults",
    ]

    private static func androidProfile(_ root: ProfileFields) throws(SimulatorProfileError) -> SimulatorProfile {
        try root.only(androidFields)
        let name = try root.name()
        var configuration: ADBDeviceSimulator.Configuration
        let base = try baseProfile(root, platform: "android")
        if let base, case .android(let android) = base.device {
            configuration = android
        } else {
            configuration = .init(
                profile: ADBDeviceProfile(name: name, properties: ADBDeviceProfile.commonProperties),
                auth: .trusting([], onNewKey: .allowAfter(.zero)))
        }
        var phone = configuration.profile
        phone.name = name

        // identity: shorthands for the properties the banner and the reader use.
        let identityKeys: [(field: String, property: String)] = [
            ("brand", "ro.product.brand"), ("manufacturer", "ro.product.manufacturer"), ("model", "ro.product.model"),
            ("product", "ro.product.name"), ("device", "ro.product.device"), ("serial", "ro.serialno"),
            ("android_version", "ro.build.version.release"), ("sdk", "ro.build.version.sdk"),
            ("security_patch", "ro.build.version.security_patch"),
        ]
        if let identity = try root.object("identity") {
            try identity.only(identityKeys.map(\.field))
            for (field, property) in identityKeys {
                if field == "sdk" {
                    if let sdk = try identity.integer("sdk", in: 1...99) { phone.properties[property] = String(sdk) }
                } else if let value = try identity.string(field) {
                    phone.properties[property] = value
                }
            }
        }
        if let properties = try root.stringMap("properties") {
            phone.properties.merge(properties) { $1 }
        }
        if base == nil, phone.properties["ro.product.model"] == nil {
            throw root.missing("identity.model", "the phone's model code (ro.product.model), such as SM-G973F, in identity or properties")
        }
        if let imeis = try root.imeis() {
            guard imeis.count <= 2 else { throw root.error("imei", "at most two IMEIs (one per SIM slot)") }
            // The calls answer where the reader asks for this Android release (AOSP IPhoneSubInfo.aidl order).
            let sdk = phone.properties["ro.build.version.sdk"].flatMap(Int.init)
            guard let sdk, let code = AndroidReader.imeiCode(sdk: sdk) else {
                throw root.error("imei", "a phone whose ro.build.version.sdk is 22 (Android 5.1) or more, since the IMEI call depends on the release (set identity.sdk)")
            }
            phone.commands = phone.commands.filter { !$0.key.hasPrefix("service call iphonesubinfo") }
            if let first = imeis.first {
                phone.commands.merge(ADBDeviceProfile.iphonesubinfo(first: first, code: code, slots: imeis)) { $1 }
            }
        }
        if let accounts = try root.array("accounts") {
            var list: [(name: String, type: String)] = []
            for (i, item) in accounts.enumerated() {
                let account = try root.element("accounts", i, item)
                try account.only(["name", "type"])
                try account.require(["name", "type"])
                list.append((try account.string("name")!, try account.string("type")!))
            }
            phone.commands["dumpsys account"] = .init(stdout: ADBDeviceProfile.accountDump(list))
        }
        if let locks = try root.object("locks") {
            try locks.only(["screen_lock"])
            if let credential = try locks.choice("screen_lock", ["None", "PIN", "Pattern", "Password"]) {
                phone.commands["dumpsys lock_settings"] = .init(stdout: ADBDeviceProfile.lockSettingsDump(credential: credential))
            }
        }
        if let battery = try root.object("battery") {
            try battery.only(["level", "cycle_count", "charge_full_uah", "charge_full_design_uah", "temperature_tenths_celsius", "health"])
            let level = try battery.integer("level", in: 0...100)
            let temperature = try battery.integer("temperature_tenths_celsius", in: -400...800)
            let health = try battery.integer("health", in: 1...7)
            if level != nil || temperature != nil || health != nil {
                phone.commands["dumpsys battery"] = .init(stdout: ADBDeviceProfile.batteryDump(
                    level: level ?? 80, temperatureTenths: temperature ?? 290, health: health ?? 2, extra: ""))
            }
            let sysfs = "/sys/class/power_supply/battery/"
            if let cycles = try battery.integer("cycle_count", in: 0...100_000) { phone.files[sysfs + "cycle_count"] = "\(cycles)\n" }
            if let full = try battery.integer("charge_full_uah", in: 1...100_000_000) { phone.files[sysfs + "charge_full"] = "\(full)\n" }
            if let design = try battery.integer("charge_full_design_uah", in: 1...100_000_000) { phone.files[sysfs + "charge_full_design"] = "\(design)\n" }
        }
        if let files = try root.stringMap("files") { phone.files.merge(files) { $1 } }
        if let shell = try root.object("shell") {
            for command in shell.keys {
                if let text = try? shell.string(command) {
                    phone.commands[command] = .init(stdout: text)
                    continue
                }
                guard let output = try shell.object(command) else { continue }
                try output.only(["stdout", "stderr", "exit_code"])
                phone.commands[command] = .init(
                    stdout: try output.string("stdout") ?? "", stderr: try output.string("stderr") ?? "",
                    exitCode: UInt8(try output.integer("exit_code", in: 0...255) ?? 0))
            }
        }
        if let features = try root.strings("features") { phone.features = Set(features) }
        if let tradeIn = try root.bool("trade_in_mode") { phone.tradeInMode = tradeIn }
        configuration.profile = phone

        if let auth = try root.choice("auth", ["allows", "asks", "none"]) {
            switch auth {
            case "asks": configuration.auth = .trusting([], onNewKey: .never)
            case "none": configuration.auth = .disabled
            default: configuration.auth = .trusting([], onNewKey: .allowAfter(.zero))
            }
        }
        if let ms = try root.integer("allow_after_ms", in: 0...600_000) {
            guard case .trusting(let keys, _) = configuration.auth else {
                throw root.error("allow_after_ms", "no delay for a phone that asks no authorisation (auth \"none\")")
            }
            configuration.auth = .trusting(keys, onNewKey: .allowAfter(.milliseconds(ms)))
        }
        if let faults = try root.object("faults") {
            try faults.only(["slow_replies_ms", "drop_after_requests", "never_closing_stream"])
            if let ms = try faults.integer("slow_replies_ms", in: 0...60_000) { configuration.shellLatency = .milliseconds(ms) }
            if faults.has("drop_after_requests"), faults.has("never_closing_stream") {
                throw faults.error("never_closing_stream", "one of drop_after_requests and never_closing_stream at a time")
            }
            if let count = try faults.integer("drop_after_requests", in: 0...100_000) { configuration.misbehavior = .dropAfterStreams(count) }
            if let text = try faults.string("never_closing_stream") { configuration.misbehavior = .streamNeverCloses(matching: text) }
        }
        let summary = try root.string("summary") ?? base.map { "Based on \($0.name): \($0.summary)" }
            ?? "Android \(phone.properties["ro.product.model"] ?? "") from \(root.file)."
        return SimulatorProfile(name: name, summary: summary, device: .android(configuration))
    }

    /// The built-in profile `base` names, which must be of `platform`; `nil` without `base`.
    private static func baseProfile(_ root: ProfileFields, platform: String) throws(SimulatorProfileError) -> SimulatorProfile? {
        guard let name = try root.string("base") else { return nil }
        guard let profile = builtIn(named: name), profile.platform == platform else {
            throw root.error("base", "the name of a built-in \(platform == "ios" ? "iOS" : "Android") profile (\(Self.names(platform)))")
        }
        return profile
    }

    static func names(_ platform: String) -> String {
        builtIn.filter { $0.platform == platform }.map(\.name).joined(separator: ", ")
    }
}
