// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Defensive parsers for what Android's shell prints. Each takes the text a phone gave and returns the facts
/// it can vouch for; anything unexpected gives `nil`, never a guess.
public enum AndroidParsers {
    // MARK: - getprop

    /// `getprop` with no argument: lines `[key]: [value]`. Tolerates `\r\n` (old pty shells) and skips lines
    /// that do not fit.
    public static func properties(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("["), let close = line.range(of: "]: [") , line.hasSuffix("]") else { continue }
            let key = String(line[line.index(after: line.startIndex)..<close.lowerBound])
            let value = String(line[close.upperBound..<line.index(before: line.endIndex)])
            guard !key.isEmpty else { continue }
            out[key] = value
        }
        return out
    }

    // MARK: - Sections

    /// Splits the output of a script whose parts are introduced by `echo @@name@@` into `name → text`.
    public static func sections(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var current: String?
        var lines: [Substring] = []
        func flush() {
            if let current { out[current] = lines.joined(separator: "\n") }
        }
        // Split on any line break: a pty shell's "\r\n" is one Character in Swift.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.hasPrefix("@@") && line.hasSuffix("@@") && line.count > 4 {
                flush()
                current = String(line.dropFirst(2).dropLast(2))
                lines = []
            } else if current != nil {
                lines.append(line)
            }
        }
        flush()
        return out
    }

    // MARK: - Battery

    /// `dumpsys battery`: `key: value` lines (`level`, `scale`, `temperature` in tenths of °C, `health` code,
    /// and on some builds `cycle count` / Samsung `mSavedBatteryAsoc`).
    public struct BatteryDump: Sendable, Hashable {
        public var levelPercent: Int?
        public var temperatureC: Double?
        public var healthCode: Int?
        public var cycleCount: Int?
        /// Samsung's own state-of-health estimate, percent.
        public var samsungAsoc: Int?
    }

    public static func batteryDump(_ text: String) -> BatteryDump? {
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            guard let colon = raw.firstIndex(of: ":") else { continue }
            let key = raw[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = raw[raw.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if values[key] == nil { values[key] = value }
        }
        guard !values.isEmpty, values["level"] != nil || values["temperature"] != nil else { return nil }
        var dump = BatteryDump()
        if let level = values["level"].flatMap(Int.init) {
            let scale = values["scale"].flatMap(Int.init) ?? 100
            if scale > 0, (0...scale).contains(level) { dump.levelPercent = percent(level, of: scale) }
        }
        if let tenths = values["temperature"].flatMap(Int.init), (-400...1000).contains(tenths) {
            dump.temperatureC = Double(tenths) / 10
        }
        dump.healthCode = values["health"].flatMap(Int.init)
        dump.cycleCount = (values["cycle count"] ?? values["cycle_count"]).flatMap(Int.init).flatMap { $0 >= 0 ? $0 : nil }
        dump.samsungAsoc = values["msavedbatteryasoc"].flatMap(Int.init).flatMap { (1...110).contains($0) ? $0 : nil }
        return dump
    }

    /// `BatteryManager.BATTERY_HEALTH_*` as words.
    public static func batteryHealthName(_ code: Int) -> String? {
        switch code {
        case 1: "unknown"
        case 2: "good"
        case 3: "overheat"
        case 4: "dead"
        case 5: "over_voltage"
        case 6: "unspecified_failure"
        case 7: "cold"
        default: nil
        }
    }

    /// One integer from a sysfs attribute (`cycle_count`, `charge_full` in µAh...), `nil` for anything else.
    public static func sysfsInteger(_ text: String?) -> Int? {
        guard let text else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Int(trimmed), value >= 0 else { return nil }
        return value
    }

    /// Health percent from full-charge and design capacities, when both are plausible.
    public static func healthPercent(full: Int?, design: Int?) -> Int? {
        guard let full, let design, design > 0, full > 0, let percent = percent(full, of: design) else { return nil }
        return (1...150).contains(percent) ? min(percent, 100) : nil
    }

    /// `part * 100 / whole` rounded down, or `nil` where a device's number is too large to scale (a value no
    /// battery reports, so no percentage is made up for it). `whole` must be positive.
    static func percent(_ part: Int, of whole: Int) -> Int? {
        let (scaled, overflow) = part.multipliedReportingOverflow(by: 100)
        return overflow ? nil : scaled / whole
    }

    // MARK: - Accounts

    /// Account types from `dumpsys account` (`Account {name=..., type=com.google}`), in first-seen order, without
    /// names (they are the customer's). `nil` when the text is not an account dump.
    public static func accountTypes(_ text: String) -> [String]? {
        guard text.contains("Accounts:") || text.contains("Account {") else { return nil }
        var types: [String] = []
        var searchRange = text.startIndex..<text.endIndex
        while let open = text.range(of: "Account {", range: searchRange) {
            guard let close = text.range(of: "}", range: open.upperBound..<text.endIndex) else { break }
            let body = text[open.upperBound..<close.lowerBound]
            if let typeRange = body.range(of: "type=") {
                let type = body[typeRange.upperBound...].prefix { $0 != "," && $0 != "}" && !$0.isWhitespace }
                if !type.isEmpty && !types.contains(String(type)) { types.append(String(type)) }
            }
            searchRange = close.upperBound..<text.endIndex
        }
        return types
    }

    // MARK: - Screen lock

    /// Whether a secure screen lock is set: `dumpsys lock_settings` (`CredentialType: PIN|Password|Pattern|None`),
    /// else `cmd lock_settings get-disabled` (`true` means no lock at all; `false` only means the lock screen is
    /// on, perhaps as a plain swipe, so it proves nothing).
    public static func screenLockSet(lockSettingsDump: String?, getDisabled: String?) -> Bool? {
        if let dump = lockSettingsDump {
            for raw in dump.split(whereSeparator: \.isNewline) {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("CredentialType:") else { continue }
                let value = line.dropFirst("CredentialType:".count).trimmingCharacters(in: .whitespaces).lowercased()
                if value == "none" || value == "-1" { return false }
                if ["pin", "password", "pattern", "password_or_pin", "1", "3", "4"].contains(value) { return true }
            }
        }
        if getDisabled?.trimmingCharacters(in: .whitespacesAndNewlines) == "true" { return false }
        return nil
    }

    // MARK: - Root

    /// Existing `su` paths from `ls -d` output (one path per line; missing ones went to stderr).
    public static func existingPaths(_ text: String?, among candidates: [String]) -> [String] {
        guard let text else { return [] }
        let lines = Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
        return candidates.filter { lines.contains($0) }
    }

    // MARK: - Storage

    /// Marketing capacity in GB from `/proc/partitions` (whole disks: `sd[a-z]`, `mmcblk[0-9]`, `nvme…n…`, sizes in
    /// 1 KiB blocks, summed) or else `df /data`'s size, rounded to the next standard size.
    public static func storageGB(partitions: String?, dfData: String?) -> Int? {
        if let partitions {
            // Summed in Double: sizes too large for any disk are refused by `standardSize`, never an overflow.
            var totalKiB = 0.0
            for raw in partitions.split(whereSeparator: \.isNewline) {
                let f = raw.split(whereSeparator: \.isWhitespace)
                guard f.count == 4, let blocks = Int(f[2]), blocks >= 0, isWholeDisk(String(f[3])) else { continue }
                totalKiB += Double(blocks)
            }
            if totalKiB > 0, let size = standardSize(bytes: totalKiB * 1024) { return size }
        }
        if let dfData {
            // toybox df: "Filesystem 1K-blocks Used Available Use% Mounted on" then one row.
            for raw in dfData.split(whereSeparator: \.isNewline).dropFirst() {
                let f = raw.split(whereSeparator: \.isWhitespace)
                guard f.count >= 6, let blocks = Int(f[1]), blocks > 0 else { continue }
                return standardSize(bytes: Double(blocks) * 1024)
            }
        }
        return nil
    }

    static func isWholeDisk(_ name: String) -> Bool {
        if name.hasPrefix("sd") { return name.dropFirst(2).allSatisfy { $0.isLetter } && name.count > 2 }
        if name.hasPrefix("mmcblk") { return name.dropFirst(6).allSatisfy(\.isNumber) && name.count > 6 }
        if name.hasPrefix("nvme") { return !name.contains("p") }
        return false
    }

    /// The smallest standard capacity (8 GB ... 2 TB) at least 90% of what the device reports.
    public static func standardSize(bytes: Double) -> Int? {
        let gb = bytes / 1e9
        guard gb >= 1 else { return nil }
        return [8, 16, 32, 64, 128, 256, 512, 1024, 2048].first { Double($0) >= gb * 0.9 }
    }

    // MARK: - IMEI

    /// The 32-bit words of a `service call` reply as `Parcel::print` writes them (`HexDump`, four little-endian words
    /// a line after a `0x00000000:` offset, then a quoted text column; replies of 16 bytes or less on one line without
    /// offsets): `Result: Parcel(0x00000000: 00000000 0000000f 00350033 ... '........3.5.')`. `nil` for anything that is
    /// not a parcel dump.
    static func parcelWords(_ text: String) -> [UInt32]? {
        guard let start = text.range(of: "Parcel(") else { return nil }
        var words: [UInt32] = []
        for rawLine in text[start.upperBound...].split(whereSeparator: \.isNewline) {
            var line = Substring(rawLine)
            // Drop the quoted text column, and the offset prefix `0x00000000:`.
            if let quote = line.firstIndex(of: "'") { line = line[..<quote] }
            if let colon = line.firstIndex(of: ":") { line = line[line.index(after: colon)...] }
            for token in line.split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == ")" }) {
                guard token.count == 8, let word = UInt32(token, radix: 16) else { continue }
                words.append(word)
            }
        }
        return words
    }

    /// A String16 in `words` from index `at`: its length word (-1 for null), then two UTF-16 units per word, low half
    /// first. `nil` for a null string or a length the words cannot hold.
    static func string16(_ words: [UInt32], at index: Int) -> String? {
        guard words.count > index else { return nil }
        let length = Int(Int32(bitPattern: words[index]))
        guard length > 0, length <= 256, words.count >= index + 1 + (length + 1) / 2 else { return nil }
        var units: [UInt16] = []
        for word in words[(index + 1)...] {
            units.append(UInt16(truncatingIfNeeded: word))
            units.append(UInt16(truncatingIfNeeded: word >> 16))
        }
        return String(decoding: units.prefix(length), as: UTF16.self)
    }

    /// The string a `service call` answered, decoded from its Parcel dump: the first word is the exception code
    /// (0 = none, `Parcel.writeNoException`), then the String16. `nil` for an exception, a null string or anything
    /// not a parcel.
    public static func parcelString(_ text: String) -> String? {
        guard let words = parcelWords(text), words.count >= 2, words[0] == 0 else { return nil }
        return string16(words, at: 1)
    }

    /// The exception a `service call` answered instead (`Parcel.writeException`: a negative code such as -1
    /// `EX_SECURITY`, then the message as a String16): the message, or `"exception <code>"` without one. `nil` when
    /// the reply is not an exception.
    public static func parcelException(_ text: String) -> String? {
        guard let words = parcelWords(text), let first = words.first, Int32(bitPattern: first) < 0 else { return nil }
        return string16(words, at: 1) ?? "exception \(Int32(bitPattern: first))"
    }

    /// A plausible IMEI: 15 digits passing the Luhn check (14-digit MEIDs are not IMEIs).
    public static func isValidIMEI(_ s: String) -> Bool {
        guard s.count == 15, s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber) else { return false }
        guard s != String(repeating: "0", count: 15) else { return false }
        var sum = 0
        for (i, ch) in s.reversed().enumerated() {
            var d = Int(String(ch))!
            if i % 2 == 1 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return sum % 10 == 0
    }

    // MARK: - Trade-in mode

    /// What `tradeinmode getstatus` printed: the JSON object of AOSP DeviceDiagnostics (`DeviceReportJsonFormatter.kt`,
    /// `GetStatusContentProvider.kt`), read by its own keys only:
    /// `battery {cycle_count, health, state, manufacturing_date, first_usage_date, part_status, serial}`,
    /// `storage {useful_lifetime_remaining, capacity_bytes}` (the capacity a string of digits), `launch_level`,
    /// `locks {factory_reset_protection}`, `product {brand, device, manufacturer, model, name}`, `imeis`, `serial`.
    /// The provider fills everything but `locks` only while FRP is off, so a report with nothing but `locks` means FRP
    /// is active and every other fact is unknown.
    public struct TradeInStatus: Sendable, Hashable {
        public var factoryResetProtection: Bool?
        public var cycleCount: Int?
        /// State of health, percent (`battery.health`).
        public var healthPercent: Int?
        /// `BatteryManager.BATTERY_HEALTH_*` (`battery.state`).
        public var legacyHealth: Int?
        public var manufacturingDate: Int?
        public var firstUsageDate: Int?
        public var batteryPartStatus: String?
        public var capacityBytes: Int?
        public var usefulLifetimeRemaining: Int?
        /// The API level the phone shipped with (`ro.product.first_api_level`), not the one it runs.
        public var launchLevel: Int?
        public var brand: String?
        public var device: String?
        public var manufacturer: String?
        public var model: String?
        public var name: String?
        public var imeis: [String] = []
        public var serial: String?
        /// The report held nothing but `locks`.
        public var onlyLocks = false

        /// FRP is on: said so, or implied by a report holding only its locks.
        public var frpActive: Bool? {
            if factoryResetProtection == true || onlyLocks { return true }
            return factoryResetProtection
        }
    }

    public static func tradeInStatus(_ text: String) -> TradeInStatus? {
        guard let start = text.firstIndex(of: "{"), let end = text.lastIndex(of: "}"), start < end,
            let wire = try? JSONDecoder().decode(TradeInWire.self, from: Data(text[start...end].utf8)),
            wire.keys.contains("locks") || wire.keys.contains("battery") || wire.keys.contains("product")
        else { return nil }
        var status = TradeInStatus()
        status.factoryResetProtection = wire.locks?.bool("factory_reset_protection")
        status.onlyLocks = wire.keys == ["locks"]
        if let battery = wire.battery {
            status.cycleCount = battery.int("cycle_count").flatMap { $0 >= 0 ? $0 : nil }
            status.healthPercent = battery.int("health").flatMap { (0...100).contains($0) ? $0 : nil }
            status.legacyHealth = battery.int("state")
            status.manufacturingDate = battery.int("manufacturing_date").flatMap { $0 > 0 ? $0 : nil }
            status.firstUsageDate = battery.int("first_usage_date").flatMap { $0 > 0 ? $0 : nil }
            status.batteryPartStatus = battery.string("part_status")
        }
        if let storage = wire.storage {
            // `obj.put("capacity_bytes", storage.capacityBytes.toString())`: a string of digits, never a number.
            if let digits = storage.string("capacity_bytes"), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let bytes = Int(digits), bytes > 0
            {
                status.capacityBytes = bytes
            }
            status.usefulLifetimeRemaining = storage.int("useful_lifetime_remaining").flatMap { (0...100).contains($0) ? $0 : nil }
        }
        status.launchLevel = wire.launchLevel.flatMap { $0 > 0 ? $0 : nil }
        if let product = wire.product {
            status.brand = product.string("brand")
            status.device = product.string("device")
            status.manufacturer = product.string("manufacturer")
            status.model = product.string("model")
            status.name = product.string("name")
        }
        for imei in wire.imeis where isValidIMEI(imei) && !status.imeis.contains(imei) { status.imeis.append(imei) }
        status.serial = wire.serial.flatMap { $0.isEmpty ? nil : $0 }
        return status
    }

    /// The getstatus object as JSON types it, each field read on its own: one of the wrong type is absent, not fatal.
    private struct TradeInWire: Decodable {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        /// One nested object's scalar fields.
        struct Object: Decodable {
            let container: KeyedDecodingContainer<Key>
            init(from decoder: any Decoder) throws { container = try decoder.container(keyedBy: Key.self) }
            func int(_ key: String) -> Int? { (try? container.decodeIfPresent(Int.self, forKey: Key(key))) ?? nil }
            func bool(_ key: String) -> Bool? { (try? container.decodeIfPresent(Bool.self, forKey: Key(key))) ?? nil }
            func string(_ key: String) -> String? {
                guard let s = (try? container.decodeIfPresent(String.self, forKey: Key(key))) ?? nil, !s.isEmpty else { return nil }
                return s
            }
        }
        let keys: Set<String>
        let locks, battery, storage, product: Object?
        let launchLevel: Int?
        let imeis: [String]
        let serial: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            keys = Set(c.allKeys.map(\.stringValue))
            func object(_ key: String) -> Object? { (try? c.decodeIfPresent(Object.self, forKey: Key(key))) ?? nil }
            locks = object("locks")
            battery = object("battery")
            storage = object("storage")
            product = object("product")
            launchLevel = (try? c.decodeIfPresent(Int.self, forKey: Key("launch_level"))) ?? nil
            imeis = ((try? c.decodeIfPresent([String].self, forKey: Key("imeis"))) ?? nil) ?? []
            serial = (try? c.decodeIfPresent(String.self, forKey: Key("serial"))) ?? nil
        }
    }

    /// The Android release an API level names (`34` → `14`), for the levels trade-in phones carry; `nil` otherwise.
    public static func androidRelease(apiLevel: Int) -> String? {
        let releases = [26: "8.0", 27: "8.1", 28: "9", 29: "10", 30: "11", 31: "12", 32: "12L", 33: "13", 34: "14", 35: "15", 36: "16"]
        return releases[apiLevel]
    }

    // MARK: - Device policy

    /// The owners `dumpsys device_policy` names (`Owners.dump`: `Device Owner:` and `Profile Owner (User N):`, each
    /// followed by indented `admin=`, `name=`, `package=` lines).
    public struct DevicePolicy: Sendable, Hashable {
        public var deviceOwner: String?
        public var deviceOwnerAdmin: String?
        /// Profile owners' packages with their user.
        public var profileOwners: [(user: Int, package: String)] = []

        public var managed: Bool { deviceOwner != nil || !profileOwners.isEmpty }

        public static func == (a: Self, b: Self) -> Bool {
            a.deviceOwner == b.deviceOwner && a.deviceOwnerAdmin == b.deviceOwnerAdmin
                && a.profileOwners.map { "\($0.user):\($0.package)" } == b.profileOwners.map { "\($0.user):\($0.package)" }
        }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(deviceOwner)
            hasher.combine(profileOwners.map { "\($0.user):\($0.package)" })
        }
    }

    /// `nil` unless the text is DevicePolicyManagerService's dump (`Current Device Policy Manager state:`).
    public static func devicePolicy(_ text: String) -> DevicePolicy? {
        guard text.contains("Current Device Policy Manager state:") else { return nil }
        var policy = DevicePolicy()
        enum Owner { case device, profile(Int) }
        var current: Owner?
        var currentIndent = 0
        var admin: String?
        func indent(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Device Owner:") {
                current = .device
                currentIndent = indent(raw)
                admin = nil
                continue
            }
            if line.hasPrefix("Profile Owner (User "), let close = line.firstIndex(of: ")"),
                let user = Int(line[line.index(line.startIndex, offsetBy: "Profile Owner (User ".count)..<close])
            {
                current = .profile(user)
                currentIndent = indent(raw)
                admin = nil
                continue
            }
            guard let owner = current else { continue }
            if line.isEmpty || indent(raw) <= currentIndent {
                current = nil
                continue
            }
            if line.hasPrefix("admin=") { admin = String(line.dropFirst("admin=".count)) }
            if line.hasPrefix("package="), case let package = String(line.dropFirst("package=".count)), !package.isEmpty {
                switch owner {
                case .device:
                    policy.deviceOwner = package
                    policy.deviceOwnerAdmin = admin
                case .profile(let user):
                    if !policy.profileOwners.contains(where: { $0.user == user }) { policy.profileOwners.append((user, package)) }
                }
            }
        }
        return policy
    }
}
