// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Samsung's AT information commands over the CDC ACM modem a phone exposes with USB debugging off, and the parsers of
/// their replies (`../shared/domain.md` §4.2). Only these commands are ever sent: they read, they change nothing. The
/// function commands FRP-bypass tools use (`AT+SWATD`, `AT+ACTIVATE`, `AT+KSTRINGB`, `AT+DEBUGLVC`, `AT+FACTORST`) are
/// not in this list and no code path builds them.
public enum SamsungAT {
    /// Model, firmware, serial, IMEI, CSC, SIM lock.
    public static let devconinfo = "AT+DEVCONINFO"
    /// The IMEI.
    public static let imeinum = "AT+IMEINUM"
    /// Network lock (answered by some firmware only).
    public static let networkLock = "AT+SVCIFPGM=1,4"
    /// Samsung Reactivation Lock.
    public static let reactivation = "AT+REACTIVE=1,0,0"
    /// Everything the reader sends, in order.
    public static let readCommands = [devconinfo, imeinum, networkLock, reactivation]

    /// How one command ended: its final result line (`OK`, `ERROR`, `+CME ERROR: n`) and the lines before it.
    public struct Reply: Sendable, Hashable {
        public var lines: [String]
        public var ok: Bool
        public init(lines: [String], ok: Bool) {
            self.lines = lines
            self.ok = ok
        }
    }

    /// The reply in `text` if it is complete (ends with a final result line), `nil` while it is not. Lines echoing
    /// the command and empty lines are dropped.
    public static func reply(_ text: String, to command: String) -> Reply? {
        var lines: [String] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line == command { continue }
            if line == "OK" { return Reply(lines: lines, ok: true) }
            if line == "ERROR" || line.hasPrefix("+CME ERROR") || line.hasPrefix("+CMS ERROR") { return Reply(lines: lines, ok: false) }
            lines.append(line)
        }
        return nil
    }

    /// `+DEVCONINFO: MN(SM-A546B);BASE(SLSI);VER(A546BXXU5BXG1/.../...);...;SN(R5CW...);IMEI(3547...);...;LOCK(NONE)` as
    /// key → value (empty values dropped). `nil` when no such line.
    public static func devconinfo(_ reply: Reply) -> [String: String]? {
        guard let line = reply.lines.first(where: { $0.hasPrefix("+DEVCONINFO:") }) else { return nil }
        var fields: [String: String] = [:]
        for pair in line.dropFirst("+DEVCONINFO:".count).split(separator: ";") {
            guard let open = pair.firstIndex(of: "("), let close = pair.lastIndex(of: ")"), open < close else { continue }
            let key = pair[..<open].trimmingCharacters(in: .whitespaces)
            let value = pair[pair.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            if !key.isEmpty && !value.isEmpty && fields[key] == nil { fields[key] = value }
        }
        return fields.isEmpty ? nil : fields
    }

    /// `+IMEINUM:354712100123456` (with or without a space), only a 15-digit Luhn-valid IMEI.
    public static func imei(_ reply: Reply) -> String? {
        guard let line = reply.lines.first(where: { $0.hasPrefix("+IMEINUM:") }) else { return nil }
        let value = line.dropFirst("+IMEINUM:".count).trimmingCharacters(in: .whitespaces)
        return AndroidParsers.isValidIMEI(value) ? value : nil
    }

    /// `+REACTIVE:1,LOCK` → true, `+REACTIVE:1,UNLOCK` → false (Samsung Reactivation Lock, not Google FRP).
    public static func reactivationLock(_ reply: Reply) -> Bool? {
        guard let line = reply.lines.first(where: { $0.hasPrefix("+REACTIVE:") }) else { return nil }
        let fields = line.dropFirst("+REACTIVE:".count).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        switch fields.last {
        case "LOCK": return true
        case "UNLOCK": return false
        default: return nil
        }
    }

    /// `+SVCIFPGM:1,4,<state>`: the network lock in Samsung's own words (`LOCK` or `UNLOCK`, as `+REACTIVE` says
    /// it), the value after the second comma as community tools read it. `nil` for any other value, which stays raw
    /// in the report's details.
    public static func networkLock(_ reply: Reply) -> (lock: NetworkLock?, raw: String)? {
        guard let line = reply.lines.first(where: { $0.hasPrefix("+SVCIFPGM:") }) else { return nil }
        let fields = line.dropFirst("+SVCIFPGM:".count).split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count >= 3 else { return nil }
        let raw = fields[2...].joined(separator: ",")
        switch raw.uppercased() {
        case "LOCK": return (.network, raw)
        case "UNLOCK": return (.unlocked, raw)
        default: return (nil, raw)
        }
    }

    /// The report of what the modem said: every fact marked with the command it came from (`sources`, and
    /// `details.source` for the whole report), the rest null, and the advice to turn on USB debugging for the rest.
    /// `replies` holds each command's reply, `nil` for a command that timed out.
    public static func report(replies: [String: Reply?], usbSerial: String?) -> DeviceReport {
        let info = (replies[devconinfo] ?? nil).flatMap(devconinfo)
        var sources: [String: String] = [:]
        var imeis: [String] = []
        if let imei = (replies[imeinum] ?? nil).flatMap(imei) {
            imeis.append(imei)
            sources["imei"] = imeinum
        }
        if let imei = info?["IMEI"], AndroidParsers.isValidIMEI(imei), !imeis.contains(imei) {
            imeis.append(imei)
            sources["imei"] = sources["imei"].map { $0 + "," + devconinfo } ?? devconinfo
        }
        var details = ["source": "samsung_modem"]
        if let firmware = info?["VER"] { details["firmware"] = firmware }
        if let csc = info?["PRD"] { details["csc"] = csc }
        var locks = DeviceReport.Locks()
        if let lock = info?["LOCK"] {
            details["sim_lock"] = lock.lowercased()
            if let state = NetworkLock(samsungToken: lock) {
                locks.networkLock = state
                sources["locks.network_lock"] = devconinfo
            }
        }
        if let said = (replies[networkLock] ?? nil).flatMap(networkLock) {
            details["network_lock_reply"] = said.raw
            // Two answers that disagree: the locked one stands (the consultant checks with a foreign SIM).
            if let lock = said.lock, locks.networkLock == nil || (lock.isLocked && locks.networkLock?.isLocked == false) {
                locks.networkLock = lock
                sources["locks.network_lock"] = networkLock
            }
        }
        if let reactivation = (replies[reactivation] ?? nil).flatMap(reactivationLock) {
            details["reactivation_lock"] = reactivation ? "on" : "off"
            locks.reactivationLock = reactivation
            sources["locks.reactivation_lock"] = Self.reactivation
        }
        let answered = readCommands.filter { (replies[$0] ?? nil)?.ok == true && !((replies[$0] ?? nil)?.lines.isEmpty ?? true) }
        details["modem_answered"] = answered.isEmpty ? "none" : answered.joined(separator: ",")
        let serial = info?["SN"] ?? usbSerial
        if serial != nil { sources["serial"] = info?["SN"] != nil ? devconinfo : "usb_descriptor" }
        if info?["MN"] != nil {
            sources["model.identifier"] = devconinfo
            sources["model.brand"] = devconinfo
        }
        return DeviceReport(
            platform: .android, serial: serial, model: .init(identifier: info?["MN"], brand: info == nil ? nil : "samsung"),
            imei: imeis.isEmpty ? nil : imeis, pairing: .noDebugging, locks: locks, details: details,
            advice: "Read from the Samsung modem: turn on USB debugging to read the rest.", sources: sources)
    }
}
