// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Diagnostics
import Foundation
import Grading

/// `intake-agent inspect`: one device's facts, in the JSON contract of design.md or as a readable list.
/// Each platform adds its path in a file of its own (`Inspect+iOS.swift`); this file picks the device and prints.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Reads one device's facts."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The iPhone or iPad to read, by UDID (with or without its dash).")
    var udid: String?

    @Option(help: "The device to read, by USB serial, Apple serial number, UDID or Android serial.")
    var serial: String?

    @Option(help: "Seconds to keep asking an iPhone's owner to tap Trust before reporting the pairing state.")
    var trustWait: Int = 0

    @Option(name: .customLong("adb-tcp"), help: "The Android phone to read over ADB on TCP (`adb tcpip` mode), as HOST:PORT.")
    var adbTcp: String?

    @Option(name: .customLong("samsung-modem"), help: "A Samsung phone with USB debugging off, read through its modem's tty (/dev/ttyACM0).")
    var samsungModem: String?

    @Option(help: "Seconds to wait for an Android phone's owner to tap Allow on the USB debugging prompt.")
    var allowWait: Int = 30

    @Flag(help: "Print the facts as one JSON object.")
    var json = false

    func validate() throws {
        if udid != nil && serial != nil { throw ValidationError("Give --udid or --serial, not both.") }
        if adbTcp != nil && (udid != nil || serial != nil) { throw ValidationError("Give --adb-tcp alone, without --udid or --serial.") }
        if samsungModem != nil && (udid != nil || serial != nil || adbTcp != nil) {
            throw ValidationError("Give --samsung-modem alone, without --udid, --serial or --adb-tcp.")
        }
        if allowWait < 0 { throw ValidationError("--allow-wait takes a number of seconds, 0 or more.") }
        if trustWait < 0 { throw ValidationError("--trust-wait takes a number of seconds, 0 or more.") }
    }

    func run() async throws {
        try await reportingFailures {
            let logger = global.makeLogger()
            var inspection = try await locateAndRead(logger: logger)
            inspection.report = Self.namingModel(inspection.report)
            if json {
                try Output.json(inspection.report)
            } else {
                Self.printReadable(inspection.report)
            }
            if let problem = inspection.problem { throw Failure(problem) }
        }
    }

    /// What one platform path read: the report, and the one sentence to end with when the read is incomplete.
    struct Inspection {
        var report: DeviceReport
        var problem: String?
    }

    /// Fills `model.name` from the price catalog (the only place that maps device facts onto Grading's data).
    static func namingModel(_ report: DeviceReport) -> DeviceReport {
        guard let identifier = report.model.identifier, let catalog = try? Catalog.loadDefault(),
            let model = catalog.lookup(identifier).model
        else { return report }
        var named = report
        named.model.name = model.name
        named.model.brand = model.brand
        return named
    }

    static func printReadable(_ report: DeviceReport) {
        func text(_ value: String?) -> String { value ?? "unknown" }
        func yesNo(_ value: Bool?, _ yes: String, _ no: String) -> String { value.map { $0 ? yes : no } ?? "unknown" }
        let name = [report.model.name, report.model.identifier.map { report.model.name == nil ? $0 : "(\($0))" }]
            .compactMap { $0 }.joined(separator: " ")
        let os = report.osVersion.map { (report.platform == .ios ? "iOS " : "Android ") + $0 }
        Output.line([report.model.brand, name.isEmpty ? "Unknown model" : name].compactMap { $0 }.joined(separator: " ")
            + (os.map { ", " + $0 } ?? ""))
        var rows: [(String, String)] = [
            ("Serial", text(report.serial)),
            ("IMEI", report.imei.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "unknown"),
            ("Storage", report.storageGB.map { "\($0) GB" } ?? "unknown"),
            ("Pairing", report.pairing.rawValue.replacingOccurrences(of: "_", with: " ")),
            ("Activation", text(report.locks.activationState)),
            ("Find My", yesNo(report.locks.findMy, "reported on: confirm on the phone", "reported off: confirm on the phone")),
            ("Passcode", yesNo(report.locks.passcodeSet, "set", "not set")),
            ("Accounts", report.locks.accounts.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "not readable"),
            ("MDM", yesNo(report.locks.mdm, "enrolled" + ((report.details?["mdm_organization"] ?? report.details?["device_owner"]
                ?? report.details?["profile_owner"]).map { " (\($0))" } ?? ""), "none")),
        ]
        if let slots = report.locks.simState {
            rows.append(("SIM", slots.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }.joined(separator: ", ")))
        }
        if let lock = report.locks.networkLock { rows.append(("Carrier lock", lock.isLocked ? "locked (\(lock.rawValue))" : "none")) }
        if let reactivation = report.locks.reactivationLock {
            rows.append(("Reactivation", reactivation ? "on (a Samsung account holds the phone)" : "off"))
        }
        if let battery = report.battery {
            var parts = [battery.healthPercent.map { "\($0) % health" } ?? "health unknown"]
            if let cycles = battery.cycleCount { parts.append("\(cycles) cycles") }
            let capacity = zip([battery.fullChargeCapacityMAh].compactMap { $0 }, [battery.designCapacityMAh].compactMap { $0 })
                .map { " (\($0) of \($1) mAh)" }.first ?? ""
            rows.append(("Battery", parts.joined(separator: ", ") + capacity))
        } else {
            rows.append(("Battery", "unknown"))
        }
        if report.platform == .android {
            switch report.details?["factory_reset_protection"] {
            case "active": rows.append(("FRP", "on (the phone is locked to its previous owner's Google account)"))
            case "inactive": rows.append(("FRP", "off"))
            default: rows.append(("FRP", yesNo(report.locks.frpArmed, "will arm (a Google account is signed in)", "will not arm")))
            }
        }
        let extras = [("udid", "UDID"), ("sim_status", "SIM status"), ("device_color", "Colour"), ("enclosure_color", "Enclosure colour"),
                      ("security_patch", "Security patch"), ("bootloader", "Bootloader"), ("oem_unlock_allowed", "OEM unlock allowed"),
                      ("root_indicators", "Root indicators"), ("trade_in_mode", "Trade-in mode"),
                      ("launch_android", "Shipped with")]
        for (key, label) in extras {
            if let value = report.details?[key] { rows.append((label, key == "launch_android" ? "Android " + value : value)) }
        }
        for (label, value) in rows { Output.line("  " + label.padding(toLength: 16, withPad: " ", startingAt: 0) + value) }
        if let advice = report.advice { Output.line("  " + advice) }
    }
}
