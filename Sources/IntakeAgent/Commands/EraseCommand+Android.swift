// SPDX-License-Identifier: Apache-2.0
//
// The Android paths of `erase`: a phone in ADB Trade-In Mode is erased over the cable (`tradeinmode evaluate`);
// any other phone with USB debugging on gets the guided reset, which needs the consultant at the terminal.

import AgentCLI
import Diagnostics
import Foundation
import Intake
import IntakeStore

/// How `erase` reaches one Android phone, again and again across its reboots.
struct AndroidPhone: Sendable {
    /// `tcp` or `usb`.
    var transport: String
    var connect: AndroidTradeInEraser.Connect
    /// The phone on the USB bus by its serial, whatever its interfaces now (`nil` over TCP).
    var find: (@Sendable () async -> USBDeviceInfo?)?
}

extension Erase {
    static var androidOptions: AndroidReader.Options {
        AndroidReader.Options(commandTimeout: .seconds(10), handshake: .init(answer: .seconds(5), allow: .seconds(5)))
    }

    func eraseAndroid(
        _ phone: AndroidPhone, certificate: Certificate, settings: ErasureSettings, interactive: Bool, registry: any CertificateRegistry
    ) async throws -> ErasureAttempt {
        let key = try DeviceSelection.adbKey(in: global.resolvedDataDir)
        // What the phone is (Trade-In Mode or a full shell) and who it is, without changing anything on it.
        let before: DeviceReport
        do {
            before = try await AndroidReader.inspect(over: try await phone.connect(), key: key, options: Self.androidOptions)
        } catch {
            throw Failure("The phone could not be read over ADB (\(error)): nothing was erased.")
        }
        switch before.pairing {
        case .tradeInMode:
            if !yes {
                try await ask("Erase \(certificate.content.modelName) of certificate \(certificate.number)? Everything on it is deleted for good. The customer must be present and agree.")
            }
            Self.progress("erasing: the phone restarts, wipes itself and comes back at its setup wizard; waiting up to \(settings.returnTimeout.components.seconds) s")
            try await Self.auditStart(
                certificate, "tradeinmode evaluate to Android phone \(before.serial ?? "?") over \(phone.transport)",
                consultant: settings.consultant, registry: registry)
            return await Self.interruptible {
                await CounterErasure.eraseAndroidTradeIn(connect: phone.connect, key: key, certificate: certificate, settings: settings) {
                    waited in Self.progress("waiting for the phone to wipe itself and come back (\(waited.components.seconds) s)")
                }
            }
        case .authorized:
            return try await guidedReset(phone, key: key, before: before, certificate: certificate, settings: settings, interactive: interactive)
        default:
            throw Failure(before.advice ?? "The phone does not let this bench in over ADB: nothing was erased.")
        }
    }

    /// The consultant resets the phone from Settings with the customer and confirms it here; then the phone is
    /// read as far as it lets itself be.
    private func guidedReset(
        _ phone: AndroidPhone, key: ADBKey, before: DeviceReport, certificate: Certificate, settings: ErasureSettings,
        interactive: Bool
    ) async throws -> ErasureAttempt {
        guard CounterErasure.matches(certificate, imeis: before.imei ?? [], serial: before.serial) else {
            return .refused(CounterErasure.mismatch(certificate, serial: before.serial))
        }
        guard interactive else {
            throw Failure("This phone is not in Trade-In Mode, so no command can erase it: the consultant resets it from Settings, which `intake-agent erase` guides at the terminal (or the console); nothing was erased.")
        }
        let started = Date()
        if !yes {
            try await ask("Reset \(certificate.content.modelName) of certificate \(certificate.number) to factory settings? Everything on it is deleted for good. The customer must be present and agree.")
        }
        Self.progress("""
            This phone cannot be erased over the cable. With the customer, on the phone:
              1. Remove its accounts if it asks (Google, the maker's), and take out the SIM and memory cards.
              2. \(CounterErasure.guidedResetSteps(brand: before.model.brand)).
              3. Wait until it restarts and shows its welcome screen; keep the cable in.
            """)
        try await ask("When the phone shows its welcome screen,", answer: "done")
        Self.progress("reading what the phone shows after its reset")
        let observed = await observeAfterReset(phone, key: key, timeout: settings.returnTimeout)
        return .record(CounterErasure.guidedReset(
            certificate: certificate, settings: settings, before: before, started: started,
            consultantConfirmation: "The consultant reset the phone from its Settings and confirmed at the terminal that it showed its welcome screen.",
            observed: observed))
    }

    /// What the phone shows once it is back: on USB its descriptors (debugging off), else what ADB answers.
    private func observeAfterReset(_ phone: AndroidPhone, key: ADBKey, timeout: Duration) async -> GuidedResetObservation {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        repeat {
            if let find = phone.find, let found = await find(), found.kind == .androidNoDebug { return .noDebugging }
            if let transport = try? await phone.connect(),
                let report = try? await AndroidReader.inspect(over: transport, key: key, options: Self.androidOptions)
            {
                switch report.pairing {
                case .tradeInMode: return .tradeInFoyer(report)
                case .authorized: return .stillAuthorized(report)
                default: break
                }
            }
            do { try await Task.sleep(for: .milliseconds(500)) } catch { break }
        } while clock.now < deadline
        return .unreachable(transport: phone.transport)
    }
}
