// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Grading
public import IntakeStore
public import Printing
import Diagnostics

/// The station's one print path: the printer the configuration (or `--printer`) names, its paper, and the
/// registry's record of every attempt. `intake`, `print` and the daemon's sessions all print through it, so a slip
/// printed or failed is in the audit log the same way whoever asked.
public struct StationPrinter: Sendable {
    /// A device node (`/dev/usb/lp0`), `usb` for the first receipt printer the usblp driver has bound, or a file.
    public var destination: String
    public var width: PaperWidth
    public var codePage: CodePage
    public var qr: QRRendering

    public init(destination: String, width: PaperWidth, codePage: CodePage = .rk1048, qr: QRRendering = .native) {
        self.destination = destination
        self.width = width
        self.codePage = codePage
        self.qr = qr
    }

    /// What became of one print.
    public enum Outcome: Sendable, Equatable {
        case printed(path: String)
        /// Nothing was printed; one sentence says why and what to do. The certificate stays issued.
        case failed(String)
    }

    /// The printer's path: `usb` resolves to the first attached receipt printer.
    public func resolvedPath() -> String? {
        guard destination == "usb" else { return destination }
        return PrinterPort.attachedPrinters().first
    }

    /// Prints certificate `number` (a reprint needs `reason`) and records it in the registry: `certificate.printed`
    /// or `certificate.reprinted` when the printer took the slip, `certificate.print_failed` when it did not.
    public func print(
        _ number: CertificateNumber, registry: any CertificateRegistry, stores: StoreList?, reason: String? = nil,
        consultant: String, at time: Date = Date()
    ) async -> Outcome {
        guard let path = resolvedPath() else {
            let sentence = "No receipt printer is attached (printer \"usb\" in the configuration): plug one in, then print certificate \(number) again with `intake-agent print \(number)`."
            try? await registry.record(AuditEvent(
                event: "certificate.print_failed", consultant: consultant, certificate: number, deviceKey: nil,
                reason: sentence, time: time))
            return .failed(sentence)
        }
        let port = PrinterPort(path: path)
        let printer = CertificatePrinter(format: port.isDevice ? .escpos : .text, width: width, codePage: codePage, qr: qr)
        do {
            // usblp blocks a writer while the printer is out of paper: the write runs off the cooperative pool.
            _ = try await printer.print(
                number, registry: registry, stores: stores, to: port, reason: reason, consultant: consultant, at: time,
                send: { port, bytes throws(PrintError) in
                    try await BlockingWork.run("printer write") { () throws(PrintError) in try port.send(bytes) }
                })
            return .printed(path: path)
        } catch let error as PrintError {
            return .failed("\(error.description) The certificate \(number) stays issued: print it again with `intake-agent print \(number)`.")
        } catch {
            return .failed("Certificate \(number) was not printed: \(error). It stays issued; print it again with `intake-agent print \(number)`.")
        }
    }
}
