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
            if scale > 0, (0...scale).contains(level) { dump.levelPercent = level * 100 / scale }
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
        guard let full, let design, design > 0, full > 0 else { return nil }
        let percent = full * 100 / design
        return (1...150).contains(percent) ? min(percent, 100) : nil
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
            var totalKiB = 0
            for raw in partitions.split(whereSeparator: \.isNewline) {
                let f = raw.split(whereSeparator: \.isWhitespace)
                guard f.count == 4, let blocks = Int(f[2]), isWholeDisk(String(f[3])) else { continue }
                totalKiB += blocks
            }
            if totalKiB > 0, let size = standardSize(bytes: Double(totalKiB) * 1024) { return size }
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
    static func standardSize(bytes: Double) -> Int? {
        let gb = bytes / 1e9
        guard gb >= 1 else { return nil }
        return [8, 16, 32, 64, 128, 256, 512, 1024, 2048].first { Double($0) >= gb * 0.9 }
    }

    // MARK: - IMEI

    /// The string a `service call` answered, decoded from its Parcel dump:
    /// `Result: Parcel(0x00000000: 00000000 0000000f 00350033 ... '........3.5.')`. The first word is the
    /// exception code (0 = none), the second the UTF-16 length, then two UTF-16 units per word, low half first.
    /// `nil` for an exception, a null string or anything not a parcel.
    public static func parcelString(_ text: String) -> String? {
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
        guard words.count >= 2, words[0] == 0 else { return nil }
        let length = Int(Int32(bitPattern: words[1]))
        guard length > 0, length <= 64, words.count >= 2 + (length + 1) / 2 else { return nil }
        var units: [UInt16] = []
        for word in words[2...] {
            units.append(UInt16(truncatingIfNeeded: word))
            units.append(UInt16(truncatingIfNeeded: word >> 16))
        }
        return String(decoding: units.prefix(length), as: UTF16.self)
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

    /// What `tradeinmode getstatus` printed (JSON). Its keys differ between builds, so this looks for the few we
    /// use anywhere in the object and keeps the rest out.
    public struct TradeInStatus: Sendable, Hashable {
        public var serial: String?
        public var imeis: [String] = []
        public var model: String?
        public var brand: String?
        public var manufacturer: String?
        public var osVersion: String?
        public var cycleCount: Int?
        public var healthPercent: Int?
        public var storageBytes: Int?
        public var frpActive: Bool?
    }

    public static func tradeInStatus(_ text: String) -> TradeInStatus? {
        guard let start = text.firstIndex(of: "{"), let end = text.lastIndex(of: "}"), start < end,
            let object = try? JSONSerialization.jsonObject(with: Data(text[start...end].utf8)) as? [String: Any]
        else { return nil }
        var status = TradeInStatus()
        func walk(_ value: Any, key: String?) {
            if let dict = value as? [String: Any] {
                for (k, v) in dict { walk(v, key: (key.map { $0 + "." } ?? "") + k.lowercased()) }
                return
            }
            if let list = value as? [Any] {
                for v in list { walk(v, key: key) }
                return
            }
            guard let key else { return }
            let leaf = key.split(separator: ".").last.map(String.init) ?? key
            let string = (value as? String) ?? (value as? NSNumber).map { $0.stringValue }
            let int = (value as? NSNumber)?.intValue ?? string.flatMap { Int($0) }
            switch leaf {
            case "serial", "serial_number", "serialno":
                if !key.contains("battery"), let string, !string.isEmpty { status.serial = string }
            case "imei", "imeis", "imei1", "imei2":
                if let string, isValidIMEI(string), !status.imeis.contains(string) { status.imeis.append(string) }
            case "model": status.model = string ?? status.model
            case "brand": status.brand = string ?? status.brand
            case "manufacturer": status.manufacturer = string ?? status.manufacturer
            case "release", "android_version", "os_version": status.osVersion = string ?? status.osVersion
            case "cycle_count", "cycles":
                if key.contains("battery") || status.cycleCount == nil { status.cycleCount = int.flatMap { $0 >= 0 ? $0 : nil } }
            case "state_of_health", "health_percent", "health_index":
                if let int, (1...100).contains(int) { status.healthPercent = int }
            case "capacity_bytes", "total_bytes", "capacity":
                if key.contains("storage"), let int, int > 1_000_000_000 { status.storageBytes = int }
            case "frp_active", "frp":
                if let b = value as? Bool { status.frpActive = b } else if let int { status.frpActive = int != 0 }
            default: break
            }
        }
        walk(object, key: nil)
        return status
    }
}
