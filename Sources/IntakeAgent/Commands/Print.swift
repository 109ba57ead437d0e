// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation
import Grading
import IntakeStore
import Printing

/// How a slip is rendered: `print` and `erasure print` share these options.
struct SlipOptions: ParsableArguments {
    @Option(help: "text (UTF-8, for screens and files) or escpos (receipt printer bytes).")
    var format: Print.Format = .text

    @Option(help: "Paper width in characters: 48 (80 mm) or 32 (58 mm).")
    var width: Int = 48

    @Option(help: "The printer's code page for escpos: rk1048 (Kazakh, ESC t 53) or cp866 (Russian only, ESC t 17).")
    var codePage: String = CodePage.rk1048.rawValue

    @Option(help: "The QR code for escpos: native (GS ( k) or raster (GS v 0, for printers without native QR).")
    var qr: String = QRRendering.native.rawValue

    /// The paper, code page and QR rendering, or the sentence refusing one of them.
    func resolved() throws -> (PaperWidth, CodePage, QRRendering) {
        guard let paper = PaperWidth(columns: width) else {
            throw Failure("The width \(width) is neither 48 (80 mm paper) nor 32 (58 mm paper).")
        }
        guard let page = CodePage(rawValue: codePage) else {
            throw Failure("The code page \"\(codePage)\" is neither rk1048 nor cp866.")
        }
        guard let rendering = QRRendering(rawValue: qr) else {
            throw Failure("The QR mode \"\(qr)\" is neither native nor raster.")
        }
        return (paper, page, rendering)
    }
}

struct Print: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Prints a certificate slip."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, escpos

        var printerFormat: CertificatePrinter.Format { self == .text ? .text : .escpos }
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var station: StationOptions

    @Argument(help: "The certificate number.")
    var number: String

    @OptionGroup var slip: SlipOptions

    @Option(help: "The printer device (/dev/usb/lp0), auto for the only receipt printer attached, or a file; without it the slip goes to stdout and is not counted as printed.")
    var output: String?

    @Option(help: "Why the slip is printed again, for the audit log; required for a reprint.")
    var reason: String?

    func run() async throws {
        try await reportingFailures {
            let number = try parseNumber(number)
            let (paper, page, rendering) = try slip.resolved()
            let printer = CertificatePrinter(format: slip.format.printerFormat, width: paper, codePage: page, qr: rendering)
            let opened = try station.open(global)
            let registry = opened.certificates
            let stores = try? StoreList.loadDefault()
            guard let output else {
                guard let certificate = try await registry.certificate(number) else { throw StoreError.notFound(number) }
                guard certificate.status != .voided else { throw Failure("Certificate \(number) is void: it is not printed.") }
                let pending = try await opened.chain?.outboxState(number) == .pending
                let bytes = try printer.render(certificate, store: stores?.store(id: certificate.content.storeID), pending: pending)
                FileHandle.standardOutput.write(Data(bytes))
                return
            }
            let path = try output == "auto" ? onlyAttachedPrinter() : output
            // A PrintError's description is the sentence `reportingFailures` prints.
            try await printer.print(
                number, registry: registry, stores: stores, to: PrinterPort(path: path), reason: reason,
                consultant: station.resolvedConsultant)
            Output.line("Certificate \(number) printed to \(path).")
        }
    }

    private func onlyAttachedPrinter() throws -> String {
        let printers = PrinterPort.attachedPrinters()
        guard printers.count == 1, let path = printers.first else {
            throw Failure(printers.isEmpty
                ? "No receipt printer is attached (nothing in /dev/usb/lp*): plug it in and switch it on, then print again."
                : "Several receipt printers are attached (\(printers.joined(separator: ", "))): name one with --output.")
        }
        return path
    }
}
