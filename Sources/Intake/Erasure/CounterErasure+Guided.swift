// SPDX-License-Identifier: Apache-2.0
//
// Android phones outside Trade-In Mode: no shell user may factory-reset them (MASTER_CLEAR is a protected
// broadcast the Shell package does not hold), so the consultant resets the phone from its Settings with the
// customer, confirms it, and the agent records what the phone shows on its return, apart from what only the
// consultant confirmed.

public import Diagnostics
public import Foundation
public import IntakeStore

/// What an Android phone showed after the consultant said it was reset.
public enum GuidedResetObservation: Sendable, Hashable {
    /// On USB, its descriptors show no ADB interface: USB debugging is off, as after a factory reset.
    case noDebugging
    /// It came back in ADB Trade-In Mode: at its setup wizard, as read then.
    case tradeInFoyer(DeviceReport)
    /// ADB still answers this bench with a full shell: what it read.
    case stillAuthorized(DeviceReport)
    /// Nothing answered before the deadline (ADB over TCP never survives a reset).
    case unreachable(transport: String)
}

extension CounterErasure {
    /// The Settings path a consultant follows, by brand.
    public static func guidedResetSteps(brand: String?) -> String {
        switch brand?.lowercased() {
        case "samsung"?: "Settings › General management › Reset › Factory data reset › Reset › Delete all"
        case "xiaomi"?, "redmi"?, "poco"?: "Settings › About phone › Factory reset › Erase all data"
        case "huawei"?, "honor"?: "Settings › System & updates › Reset › Reset phone"
        default: "Settings › System › Reset options › Erase all data (factory reset)"
        }
    }

    /// The record of a guided reset: `before` is what the phone showed before it (its identity, accounts),
    /// `observed` what it showed after the consultant's confirmation.
    public static func guidedReset(
        certificate: Certificate, settings: ErasureSettings, before: DeviceReport, started: Date,
        consultantConfirmation: String, observed: GuidedResetObservation
    ) -> ErasureDraft {
        var byDevice: [String] = []
        if let serial = before.serial {
            byDevice.append("Serial \(serial)\(before.imei.map { $0.isEmpty ? "" : " and IMEI \($0.joined(separator: ", "))" } ?? "") read over ADB before the reset matched the certificate.")
        }
        if let accounts = before.locks.accounts {
            byDevice.append("Before the reset: \(accounts.isEmpty ? "no accounts" : "accounts " + accounts.joined(separator: ", ")).")
        }
        let status: ErasureStatus
        let reason: String
        let result: String
        switch observed {
        case .noDebugging:
            byDevice.append("After the reset its USB descriptors show no ADB interface: USB debugging is off, as after a factory reset.")
            (status, reason, result) = (
                .erasedUnverified,
                "A guided reset: the phone shows only that USB debugging is off; that it was erased rests on the consultant's confirmation.",
                "Reset confirmed by the consultant; the phone showed debugging off.")
        case .tradeInFoyer(let after):
            byDevice.append("After the reset it came back in ADB Trade-In Mode (its setup wizard, setup not complete)\(after.serial.map { " with serial \($0)" } ?? "").")
            if let serial = before.serial, let back = after.serial, serial != back {
                (status, reason, result) = (.notErased, "A phone with another serial (\(back)) came back: the certificate's phone was not seen after the reset.", "Another device.")
            } else {
                (status, reason, result) = (.erased, "", "Erased: the phone came back at its setup wizard.")
            }
        case .stillAuthorized(let report):
            let accounts = report.locks.accounts ?? []
            byDevice.append("After the confirmation ADB still answered this bench with a full shell (a factory reset turns USB debugging off and forgets the bench's key)\(accounts.isEmpty ? "" : "; accounts: " + accounts.joined(separator: ", ")).")
            (status, reason, result) = (
                .notErased,
                "The phone still trusts this bench over USB debugging\(accounts.isEmpty ? "" : " and is still signed in (\(accounts.joined(separator: ", ")))"): it was not factory-reset; reset it from Settings and erase again.",
                "Not erased.")
        case .unreachable(let transport):
            byDevice.append(transport == "tcp"
                ? "After the reset the phone no longer answered ADB over the network (adb tcpip does not survive a reset)."
                : "After the reset the phone did not come back on USB before the deadline.")
            (status, reason, result) = (
                .erasedUnverified,
                "A guided reset: the phone could not show it was erased; that it was rests on the consultant's confirmation.",
                "Reset confirmed by the consultant; not verified by the phone.")
        }
        return ErasureDraft(
            certificate: certificate.number, status: status, reason: reason, method: .guidedReset, tool: settings.tool,
            device: ErasureDevice(
                make: before.model.brand ?? "", model: certificate.content.modelName,
                modelIdentifier: before.model.identifier ?? certificate.content.modelIdentifier,
                serial: before.serial ?? certificate.content.deviceSerial, imeis: before.imei ?? []),
            verification: ErasureVerification(
                method: "Guided reset from the phone's Settings; afterwards the agent read what the phone shows over USB or ADB (debugging off, setup wizard, accounts).",
                byDevice: byDevice, byConsultantOnly: [settings.confirmation, consultantConfirmation], result: result),
            consultant: settings.consultant, storeID: certificate.content.storeID, startedAt: started, finishedAt: Date())
    }
}
