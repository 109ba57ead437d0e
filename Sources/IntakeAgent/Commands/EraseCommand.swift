// SPDX-License-Identifier: Apache-2.0
//
// `intake-agent erase`: erases one certified device and prints its signed erasure record; and
// `intake-agent erasure list | show N | verify PAYLOAD` (design.md).

import AgentCLI
import ArgumentParser
import Diagnostics
import Foundation
import Grading
import Intake
import IntakeStore
import Logging
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

struct Erase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erases one certified device over the cable and prints its signed erasure record.",
        discussion: """
            Exits 0 only when the device showed it was erased. Any certificate that is issued or printed may be \
            erased; a failed erase leaves it valid and records the device as not erased, with the reason.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The iPhone or iPad to erase, by UDID (with or without its dash).")
    var udid: String?

    @Option(help: "The device to erase, by USB serial, Apple serial number, UDID or Android serial.")
    var serial: String?

    @Option(name: .customLong("adb-tcp"), help: "The Android phone to erase over ADB on TCP, as HOST:PORT.")
    var adbTcp: String?

    @Option(help: "The trade-in certificate whose device this is.")
    var certificate: String

    @Flag(help: "The consultant confirms the customer is present and agrees to the erase.")
    var yes = false

    @Option(help: "Seconds to wait for the device to erase and come back; defaults to the configuration's erase_return_timeout_seconds (600).")
    var returnTimeout: Int?

    @Option(help: "Who erases, for the record and the audit log; defaults to the configuration's consultant, then $USER.")
    var consultant: String?

    @Flag(help: "Print the erasure record as JSON.")
    var json = false

    func validate() throws {
        if [udid, serial, adbTcp].compactMap({ $0 }).count > 1 { throw ValidationError("Give one of --udid, --serial or --adb-tcp.") }
        if let returnTimeout, returnTimeout < 0 { throw ValidationError("--return-timeout takes a number of seconds, 0 or more.") }
    }

    func run() async throws {
        try await reportingFailures {
            let interactive = isatty(STDIN_FILENO) == 1
            if !yes && !interactive {
                throw Failure("An erase needs the consultant's confirmation that the customer is present and agrees: pass --yes (nothing was erased).")
            }
            let number = try parseNumber(certificate)
            let configuration = try global.loadConfiguration()
            let station = try global.openStation()
            guard let certificate = try await station.certificates.certificate(number) else { throw StoreError.notFound(number) }
            if let refusal = try await CounterErasure.refusal(for: certificate, records: station.erasureRecords) { throw Failure(refusal) }
            let logger = global.makeLogger()
            let consultant = consultant ?? configuration.consultant ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
            let settings = ErasureSettings(
                consultant: consultant, tool: "intake-agent \(AgentVersion.string)",
                confirmation: yes
                    ? "The consultant confirmed the customer was present and agreed (--yes)."
                    : "The consultant confirmed at the terminal that the customer was present and agreed.",
                preserveDataPlan: configuration.erasePreserveDataPlan,
                returnTimeout: .seconds(returnTimeout ?? configuration.eraseReturnTimeoutSeconds), stepTimeout: .seconds(10))

            var usb: LibUSBContext?
            if adbTcp == nil {
                do { usb = try LibUSBContext(logger: logger) } catch { logger.info("no USB access for Android phones: \(error)") }
            }
            defer { usb?.shutdown() }
            let locator = DeviceLocator(
                udid: udid, serial: serial, adbTcp: adbTcp,
                nothingConnected: "No phone is connected: plug in the device of certificate \(number) (unlocked), or list the devices with `intake-agent devices`.")
            let located = try await locator.locate(usb: usb, iosOptions: IOSReadOptions(trustWait: .zero), logger: logger)
            let attempt: ErasureAttempt
            switch located {
            case .ios(let udid, let read):
                try await confirmIOS(udid: udid, read: read, certificate: certificate, interactive: interactive, logger: logger)
                Self.progress("erasing: the device restarts and comes back at its setup screen; waiting up to \(settings.returnTimeout.components.seconds) s")
                try await Self.auditStart(certificate, "MCInstall EraseDevice to iOS device \(udid)", consultant: consultant, registry: station.certificates)
                attempt = await Self.interruptible {
                    await CounterErasure.eraseIOS(udid: udid, certificate: certificate, settings: settings) { waited in
                        Self.progress("waiting for the device to erase and come back (\(waited.components.seconds) s)")
                    }
                }
            case .adbTCP(let host, let port):
                let phone = AndroidPhone(transport: "tcp", connect: { try ADBTCPTransport(host: host, port: port) }, find: nil)
                attempt = try await eraseAndroid(phone, certificate: certificate, settings: settings, interactive: interactive, registry: station.certificates)
            case .androidUSB(let found):
                guard let usb else { throw Failure("The USB bus cannot be opened, so the Android phone cannot be reached: check the agent's permissions.") }
                let wanted = found.serial
                let find: @Sendable () async -> USBDeviceInfo? = {
                    (try? await usb.devices())?.first { ($0.kind == .androidADB || $0.kind == .androidNoDebug) && $0.serial == wanted }
                }
                let phone = AndroidPhone(transport: "usb", connect: {
                    guard let again = await find(), again.kind == .androidADB else { throw DiagnosticsError.deviceGone() }
                    return try ADBUSBTransport(context: usb, device: again)
                }, find: find)
                if found.kind == .androidNoDebug {
                    throw Failure("The phone shows no ADB (USB debugging off, and not in Trade-In Mode), so this bench cannot tell which phone it is: turn USB debugging on to erase it here, or reset it from \(CounterErasure.guidedResetSteps(brand: found.manufacturer)) with the customer and give it to the store's technician. Nothing was erased.")
                }
                attempt = try await eraseAndroid(phone, certificate: certificate, settings: settings, interactive: interactive, registry: station.certificates)
            }
            let draft: ErasureDraft
            switch attempt {
            case .refused(let sentence): throw Failure(sentence)
            case .record(let d): draft = d
            }
            let record = try await station.erasureRecords.recordErasure(
                draft, signer: station.key, station: station.issuer.station, at: Date())
            if json { try Output.json(record.summary) } else { ErasureCommand.printRecord(record) }
            guard record.content.status == .erased else {
                throw Failure("Erasure record \(record.number): \(record.content.status.rawValue.replacingOccurrences(of: "_", with: " ")): \(record.content.reason)")
            }
        }
    }

    /// Runs the erase; SIGINT or SIGTERM while it runs cancels it, and what is known is still recorded (the
    /// record says it was interrupted), never lost.
    static func interruptible(_ body: @escaping @Sendable () async -> ErasureAttempt) async -> ErasureAttempt {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let erase = Task { await body() }
        let watcher = Task {
            for await signal in signals {
                progress("\(signal) received: stopping the wait and recording the erase as it stands")
                erase.cancel()
                return
            }
        }
        let attempt = await erase.value
        watcher.cancel()
        return attempt
    }

    /// The audit log says an erase is about to be sent before it is, so even a process killed outright leaves a trace.
    static func auditStart(_ certificate: Certificate, _ what: String, consultant: String, registry: any CertificateRegistry) async throws {
        try await registry.record(AuditEvent(
            event: "erasure.started", consultant: consultant, certificate: certificate.number,
            deviceKey: certificate.content.deviceKey, detail: what, time: Date()))
    }

    /// A progress line on standard error while the device is away.
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    /// Reads the iPhone (paired, as the intake did), checks it is the certificate's device, and asks the
    /// consultant when `--yes` was not given. Find My is read again in the session that sends the erase.
    private func confirmIOS(udid: String, read: IOSReadResult?, certificate: Certificate, interactive: Bool, logger: Logger) async throws {
        let result: IOSReadResult
        if let read { result = read } else { result = await IOSDeviceSession.read(udid: udid, options: IOSReadOptions(trustWait: .zero), logger: logger) }
        guard result.facts.pairing == .paired else {
            throw Failure(result.failure?.message ?? result.facts.pairing?.advice
                ?? "The device is not paired with this bench: unlock it and tap Trust, then erase again. Nothing was erased.")
        }
        if !CounterErasure.matches(certificate, imeis: result.facts.imei ?? [], serial: result.facts.serialNumber) {
            throw Failure(CounterErasure.mismatch(certificate, serial: result.facts.serialNumber))
        }
        guard !yes else { return }
        try await ask("Erase \(certificate.content.modelName) (serial \(result.facts.serialNumber ?? "unknown")) of certificate \(certificate.number)? Everything on it is deleted for good. The customer must be present and agree.")
    }

    /// Asks `question` at the terminal; anything but yes refuses, with nothing erased.
    func ask(_ question: String, answer: String = "yes") async throws {
        let input = TerminalInput()
        let accepted = answer == "yes" ? ["yes", "y", "да", "иә"] : [answer]
        switch await input.nextLine(prompt: question + " Type \(answer) to go on: ") {
        case .text(let typed) where accepted.contains(typed.trimmingCharacters(in: .whitespaces).lowercased()):
            return
        default:
            throw Failure("The erase was not confirmed: nothing was erased.")
        }
    }
}
