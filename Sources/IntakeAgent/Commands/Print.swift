// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Grading
import IntakeStore
import Printing

struct Print: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Prints a certificate slip."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, escpos }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var station: StationOptions

    @Argument(help: "The certificate number.")
    var number: String

    @Option(help: "text (UTF-8, for screens and files) or escpos (receipt printer bytes).")
    var format: Format = .text

    @Option(help: "Paper width in characters: 48 (80 mm) or 32 (58 mm).")
    var width: Int = 48

    @Option(help: "The printer device (/dev/usb/lp0) or a file; without it the slip goes to stdout and is not counted as printed.")
    var output: String?

    @Option(help: "The printer's code page for escpos: rk1048 (Kazakh, ESC t 53) or cp866 (Russian only, ESC t 17).")
    var codePage: String = CodePage.rk1048.rawValue

    @Option(help: "The QR code for escpos: native (GS ( k) or raster (GS v 0, for printers without native QR).")
    var qr: String = QRRendering.native.rawValue

    @Option(help: "Why the slip is printed again, for the audit log; required for a reprint.")
    var reason: String?

    func run() async throws {
        try await reportingFailures {
            let number = try parseNumber(number)
            guard let paper = PaperWidth(columns: width) else {
                throw Failure("The width \(width) is neither 48 (80 mm paper) nor 32 (58 mm paper).")
            }
            guard let page = CodePage(rawValue: codePage) else {
                throw Failure("The code page \"\(codePage)\" is neither rk1048 nor cp866.")
            }
            guard let rendering = QRRendering(rawValue: qr) else {
                throw Failure("The QR mode \"\(qr)\" is neither native nor raster.")
            }
            let registry = try SQLiteRegistry(dataDirectory: global.resolvedDataDir)
            guard let certificate = try await registry.certificate(number) else { throw StoreError.notFound(number) }
            guard certificate.status != .voided else {
                throw Failure("Certificate \(number) is void: it is not printed.")
            }
            if output != nil, certificate.printCount > 0, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw Failure("Certificate \(number) was printed \(certificate.printCount) time(s) already: give --reason for the reprint.")
            }
            let store = try? StoreList.loadDefault().store(id: certificate.content.storeID)
            let slip = try Slip(certificate: certificate, store: store, width: paper)
            let bytes: [UInt8] = switch format {
            case .text: Array(slip.text().utf8)
            case .escpos: try slip.escpos(codePage: page, qr: rendering)
            }
            guard let output else {
                FileHandle.standardOutput.write(Data(bytes))
                return
            }
            // A failed write leaves the certificate issued and re-printable: nothing is recorded.
            do throws(PrintError) {
                try PrinterPort(path: output).send(bytes)
            } catch {
                throw Failure(error.description)
            }
            let consultant = station.resolvedConsultant
            if certificate.printCount == 0 {
                _ = try await registry.markPrinted(number, consultant: consultant, at: Date())
            } else {
                _ = try await registry.recordReprint(number, reason: reason ?? "", consultant: consultant, at: Date())
            }
            Output.line("Certificate \(number) printed to \(output).")
        }
    }
}
