// SPDX-License-Identifier: Apache-2.0
//
// The last step of an intake: erase the certified device over the cable where its platform allows it, check it
// came back erased, and write what happened as a signed erasure record. The only place that maps the erasers'
// outcomes (Diagnostics) onto the record (IntakeStore); the command line and the console both call it.

public import Diagnostics
import Foundation
import Grading
public import IntakeStore

/// What the consultant asked for, and the settings the erase runs with.
public struct ErasureSettings: Sendable {
    public var consultant: String
    /// `intake-agent 0.1.0`: the record's tool and version.
    public var tool: String
    /// How the consultant confirmed the customer is present and agrees (`--yes`, or an answer at the terminal).
    public var confirmation: String
    public var preserveDataPlan: Bool
    /// How long the device may take to erase and come back.
    public var returnTimeout: Duration
    public var stepTimeout: Duration

    public init(
        consultant: String, tool: String, confirmation: String, preserveDataPlan: Bool = true,
        returnTimeout: Duration = .seconds(600), stepTimeout: Duration = .seconds(10)
    ) {
        self.consultant = consultant
        self.tool = tool
        self.confirmation = confirmation
        self.preserveDataPlan = preserveDataPlan
        self.returnTimeout = returnTimeout
        self.stepTimeout = stepTimeout
    }
}

/// How an erasure attempt ended before it was recorded.
public enum ErasureAttempt: Sendable {
    /// Refused without touching the device and without a record (another device, a certificate not erasable).
    case refused(String)
    /// What to record.
    case record(ErasureDraft)
}

public enum CounterErasure {
    /// The sentence refusing to erase for `certificate`, or `nil` when it may be erased: only an issued or printed
    /// certificate whose device has no `erased` record yet.
    public static func refusal(for certificate: Certificate, records: any ErasureRecords) async throws -> String? {
        switch certificate.status {
        case .issued, .printed: break
        case .voided:
            return "Certificate \(certificate.number) is void (\(certificate.voidReason ?? "no reason")): its device is not erased at the counter."
        case .redeemed:
            return "Certificate \(certificate.number) has been redeemed: its device was handed over already; erase it only through the store's technician."
        }
        if let done = try await records.erasures(of: certificate.number).last(where: { $0.content.status == .erased }) {
            return "The device of certificate \(certificate.number) was already erased (record \(done.number))."
        }
        return nil
    }

    /// Whether the device read names the certificate's device: one of its IMEIs or its serial is a key the
    /// certificate holds.
    public static func matches(_ certificate: Certificate, imeis: [String], serial: String?) -> Bool {
        let keys = CertificateRules.allDeviceKeys(imeis: imeis, serial: serial)
        return !keys.isEmpty && !Set(keys).isDisjoint(with: certificate.deviceKeys)
    }

    /// The refusal when the device read is not the certificate's device.
    public static func mismatch(_ certificate: Certificate, serial: String?) -> String {
        "The connected device (serial \(serial ?? "unknown")) is not the device of certificate \(certificate.number) (\(certificate.content.modelName), \(certificate.content.deviceKey)): nothing was erased; connect that device."
    }

    // MARK: - iPhone and iPad

    /// Erases an iPhone or iPad: Find My read off and the identity checked in the session that sends
    /// `EraseDevice`; then the wait for its return and the check that it came back erased.
    public static func eraseIOS(
        udid: String, certificate: Certificate, settings: ErasureSettings,
        progress: @Sendable (_ waited: Duration) -> Void = { _ in }
    ) async -> ErasureAttempt {
        let started = Date()
        let options = IOSEraser.Options(
            preserveDataPlan: settings.preserveDataPlan, stepTimeout: settings.stepTimeout, returnTimeout: settings.returnTimeout)
        let outcome = await IOSEraser.sendErase(udid: udid, options: options) { facts in
            matches(certificate, imeis: facts.imei, serial: facts.serialNumber) ? nil : mismatch(certificate, serial: facts.serialNumber)
        }
        let facts = outcome.facts
        let identified = facts.serialNumber != nil || !facts.imei.isEmpty
        if identified, !matches(certificate, imeis: facts.imei, serial: facts.serialNumber) {
            return .refused(mismatch(certificate, serial: facts.serialNumber))
        }
        // A device that never said who it is gets no record against this certificate: nothing happened to it.
        if case .notSent(let sentence, _) = outcome, !identified { return .refused(sentence) }
        var byDevice: [String] = []
        if let serial = facts.serialNumber { byDevice.append("Serial \(serial)\(facts.imei.isEmpty ? "" : " and IMEI \(facts.imei.joined(separator: ", "))") read from the device matched the certificate.") }
        if facts.findMyAssociated == false { byDevice.append("Find My (com.apple.fmip IsAssociated) read off from the device before the request.") }
        let consultantOnly = [settings.confirmation]
        func draft(_ status: ErasureStatus, reason: String, result: String, devices: [String]) -> ErasureAttempt {
            .record(ErasureDraft(
                certificate: certificate.number, status: status, reason: reason, method: .iosMCInstall, tool: settings.tool,
                device: ErasureDevice(
                    make: "Apple", model: certificate.content.modelName,
                    modelIdentifier: facts.productType ?? certificate.content.modelIdentifier,
                    serial: facts.serialNumber ?? certificate.content.deviceSerial, imeis: facts.imei),
                verification: ErasureVerification(
                    method: "Read back over lockdown after the device returned to usbmuxd: ActivationState, and whether it still accepts this bench's pair record from before the erase.",
                    byDevice: devices, byConsultantOnly: consultantOnly, result: result),
                consultant: settings.consultant, storeID: certificate.content.storeID, startedAt: started, finishedAt: Date()))
        }
        switch outcome {
        case .notSent(let sentence, _):
            return draft(.notErased, reason: sentence, result: "No erase was sent.", devices: byDevice)
        case .refused(let status, _):
            byDevice.append("MCInstall EraseDevice answered Status \(status).")
            return draft(
                .notErased,
                reason: "The device refused the erase (Status \(status)\(status == "CommandFormatError" ? ", as iOS 10 and older answer" : "")): nothing was erased; erase it on the device (Settings › General › Reset › Erase All Content and Settings) with the customer, or give it to the store's technician.",
                result: "The device refused the request.", devices: byDevice)
        case .acknowledged, .linkClosed, .uncertain:
            if case .acknowledged = outcome { byDevice.append("MCInstall EraseDevice answered Status Acknowledged.") }
            if case .linkClosed = outcome { byDevice.append("The device closed the link right after the EraseDevice request, as it does when the erase starts.") }
            let uncertain: String? = if case .uncertain(let sentence, _) = outcome { sentence } else { nil }
            let (left, returned) = await IOSEraser.awaitReturn(udid: udid, previousMuxID: facts.muxID, options: options) { waited, _ in
                progress(waited)
            }
            guard returned else {
                let waited = Int(settings.returnTimeout.components.seconds)
                if left { byDevice.append("The device left usbmuxd after the request.") }
                if Task.isCancelled {
                    let interrupted = "The erase was interrupted (the agent was stopped) before the device came back, so its state was not checked: check it shows the Hello screen, and erase it again if not."
                    return uncertain == nil
                        ? draft(.erasedUnverified, reason: interrupted, result: "Acknowledged; interrupted before the return.", devices: byDevice)
                        : draft(.notErased, reason: "\(uncertain!) \(interrupted)", result: "Unknown.", devices: byDevice)
                }
                if let uncertain {
                    return draft(.notErased, reason: "\(uncertain) It did not come back within \(waited) s: check it on the device.", result: "Unknown.", devices: byDevice)
                }
                return draft(
                    .erasedUnverified,
                    reason: "The device acknowledged the erase but did not come back within \(waited) s, so its erased state could not be checked: plug it in again and check it shows the Hello screen.",
                    result: "Acknowledged; the return was not seen.", devices: byDevice)
            }
            byDevice.append("The device left usbmuxd and came back.")
            let check = await IOSEraser.verifyReturned(udid: udid, options: options)
            if let state = check.activationState {
                byDevice.append("ActivationState \(state) after the return (\(check.readUnpaired == true ? "read unpaired" : "read through a new pairing")).")
            }
            if check.oldPairRecordRefused == true { byDevice.append("The device refused this bench's pair record from before the erase.") }
            if check.oldPairRecordRefused == false { byDevice.append("The device still accepted this bench's pair record from before the erase.") }
            if check.pairedAgainWithoutPrompt == true { byDevice.append("The device paired again without a Trust prompt.") }
            if check.showsErased {
                return draft(.erased, reason: "", result: "Erased: the device came back unactivated at its setup screen.", devices: byDevice)
            }
            if check.showsNotErased {
                return draft(
                    .notErased,
                    reason: "The device came back still \(check.activationState ?? "activated") and still trusting this bench: it was not erased; erase it on the device or give it to the store's technician.",
                    result: "Not erased.", devices: byDevice)
            }
            return draft(
                .erasedUnverified,
                reason: "The device came back, but it did not show it was erased (\(check.problem ?? "ActivationState \(check.activationState ?? "unread")")): check it shows the Hello screen.",
                result: "Acknowledged; the erased state could not be confirmed.", devices: byDevice)
        }
    }

    // MARK: - Android in Trade-In Mode

    /// Erases an Android 16+ phone in ADB Trade-In Mode (`tradeinmode evaluate`, then the wipe on reboot).
    public static func eraseAndroidTradeIn(
        connect: @escaping AndroidTradeInEraser.Connect, key: ADBKey, certificate: Certificate, settings: ErasureSettings,
        progress: @Sendable (_ waited: Duration) -> Void = { _ in }
    ) async -> ErasureAttempt {
        let started = Date()
        let options = AndroidTradeInEraser.Options(commandTimeout: settings.stepTimeout, returnTimeout: settings.returnTimeout)
        let erasure = await AndroidTradeInEraser.erase(connect: connect, key: key, options: options, approve: { status in
            matches(certificate, imeis: status.imeis, serial: status.serial) ? nil : mismatch(certificate, serial: status.serial)
        }, progress: progress)
        if let before = erasure.before, !matches(certificate, imeis: before.imeis, serial: before.serial), before.frpActive != true {
            return .refused(mismatch(certificate, serial: before.serial))
        }
        let before = erasure.before
        if case .notSent(let sentence) = erasure.result, before == nil { return .refused(sentence) }
        var byDevice: [String] = []
        if let before {
            byDevice.append("The phone was in ADB Trade-In Mode (only `tradeinmode` answered), factory reset protection \(before.frpActive == true ? "on" : "off") per `tradeinmode getstatus`.")
            if let serial = before.serial { byDevice.append("Serial \(serial)\(before.imeis.isEmpty ? "" : " and IMEI \(before.imeis.joined(separator: ", "))") from `tradeinmode getstatus` matched the certificate.") }
        }
        if erasure.evaluationState == "2" { byDevice.append("After `tradeinmode evaluate` the phone reported persist.adb.tradeinmode 2: the factory reset is armed for the next boot.") }
        if erasure.left { byDevice.append("The phone left ADB after the reboot request.") }
        if let after = erasure.after {
            byDevice.append("The phone came back in ADB Trade-In Mode (its setup wizard, setup not complete)\(after.serial.map { " with serial \($0)" } ?? "") and answered `tradeinmode getstatus` again.")
        }
        let status: ErasureStatus
        let reason: String
        let result: String
        switch erasure.result {
        case .notSent(let sentence): (status, reason, result) = (.notErased, sentence, "No erase was sent.")
        case .refused(let sentence): (status, reason, result) = (.notErased, sentence, "The phone refused evaluation mode.")
        case .armedNoReturn(let sentence):
            (status, reason, result) = (.erasedUnverified, sentence + " Check it shows its welcome screen.", "The wipe was armed; the return was not seen.")
        case .returnedNotErased(let sentence):
            (status, reason, result) = (.notErased, sentence + " Give it to the store's technician.", "Not erased.")
        case .erased: (status, reason, result) = (.erased, "", "Erased: the phone came back at its setup wizard in trade-in mode.")
        }
        let shown = erasure.after ?? before
        return .record(ErasureDraft(
            certificate: certificate.number, status: status, reason: reason, method: .androidTradeInEvaluate, tool: settings.tool,
            device: ErasureDevice(
                make: shown?.manufacturer ?? shown?.brand ?? "", model: certificate.content.modelName,
                modelIdentifier: shown?.model ?? certificate.content.modelIdentifier,
                serial: shown?.serial ?? certificate.content.deviceSerial, imeis: shown?.imeis ?? []),
            verification: ErasureVerification(
                method: "Read back over ADB after the reboot: the phone must answer only `tradeinmode` again (a phone at its setup wizard) with the same serial or IMEI.",
                byDevice: byDevice, byConsultantOnly: [settings.confirmation], result: result),
            consultant: settings.consultant, storeID: certificate.content.storeID, startedAt: started, finishedAt: Date()))
    }
}
