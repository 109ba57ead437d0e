// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation
import Grading
import IntakeStore
import Printing

/// `intake-agent erasure list | show N | verify PAYLOAD`: the signed erasure records.
struct ErasureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erasure",
        abstract: "Lists, shows and verifies signed erasure records.",
        subcommands: [List.self, Show.self, Verify.self, PrintSlip.self])

    static func printRecord(_ record: ErasureRecord) {
        let c = record.content
        Output.line("\(c.number)  \(c.status.rawValue)\(record.signatureValid ? "" : "  ALTERED")")
        Output.line("  certificate:  \(c.certificate)")
        if !c.reason.isEmpty { Output.line("  reason:       \(c.reason)") }
        Output.line("  device:       \([c.device.make, c.device.model].filter { !$0.isEmpty }.joined(separator: " ")) (\(c.device.modelIdentifier)), serial \(c.device.serial)\(c.device.imeis.isEmpty ? "" : ", IMEI " + c.device.imeis.joined(separator: ", "))")
        Output.line("  method:       \(c.method.rawValue) (\(c.sanitization)): \(c.method.technique)")
        Output.line("  verification: \(c.verification.method)")
        for fact in c.verification.byDevice { Output.line("    device:     \(fact)") }
        for fact in c.verification.byConsultantOnly { Output.line("    consultant: \(fact)") }
        Output.line("  result:       \(c.verification.result)")
        Output.line("  by:           \(c.consultant), store \(c.storeID), station \(c.station), \(c.tool)")
        Output.line("  time:         \(c.startedAt.formatted(.iso8601)) to \(c.finishedAt.formatted(.iso8601))")
        Output.line("  key:          \(c.keyID)")
    }

    static func altered(_ number: ErasureNumber) -> Failure {
        Failure("Erasure record \(number) is ALTERED: its stored row no longer matches its signature, so it was changed outside intake-agent or forged; do not rely on it, and restore the registry from the backup.")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists erasure records, newest first.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "At most this many.")
        var limit: Int = 50
        @Flag(help: "Print the list as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let station = try global.openStation()
                let records = try await station.erasureRecords.listErasures(limit: limit)
                if json {
                    try Output.json(records.map(\.summary))
                    return
                }
                for record in records {
                    let c = record.content
                    Output.line("\(c.number)  \(c.status.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0))  \(c.finishedAt.formatted(.iso8601))  \(c.device.model)  \(c.device.serial)\(record.signatureValid ? "" : "  ALTERED")")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows an erasure record and whether its signature holds.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The erasure record's number (ALA-2611-7KA2B3-X-E1).")
        var number: String
        @Flag(help: "Print the record as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                guard let parsed = ErasureNumber(number) else {
                    throw Failure("\"\(number)\" is not an erasure record number (a certificate number and -E1, -E2...).")
                }
                let station = try global.openStation()
                guard let record = try await station.erasureRecords.erasure(parsed) else {
                    throw Failure("No erasure record \(parsed) is in this registry.")
                }
                guard record.signatureValid else { throw ErasureCommand.altered(parsed) }
                if json { try Output.json(record.summary) } else { ErasureCommand.printRecord(record) }
            }
        }
    }

    struct PrintSlip: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "print", abstract: "Prints an erasure record's slip (Kazakh and Russian, with its QR code).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The erasure record's number.")
        var number: String
        @OptionGroup var slipOptions: SlipOptions
        @Option(help: "The printer device (/dev/usb/lp0) or a file; without it the slip goes to stdout.")
        var output: String?
        @Option(help: "Who prints, for the audit log; defaults to $USER.")
        var consultant: String?

        func run() async throws {
            try await reportingFailures {
                guard let parsed = ErasureNumber(number) else {
                    throw Failure("\"\(number)\" is not an erasure record number (a certificate number and -E1, -E2...).")
                }
                let (paper, page, rendering) = try slipOptions.resolved()
                let station = try global.openStation()
                guard let record = try await station.erasureRecords.erasure(parsed) else {
                    throw Failure("No erasure record \(parsed) is in this registry.")
                }
                guard record.signatureValid else { throw ErasureCommand.altered(parsed) }
                let slip = try Slip(erasure: record, store: (try? StoreList.loadDefault())?.store(id: record.content.storeID), width: paper)
                let bytes = slipOptions.format == .text ? Array(slip.text().utf8) : try slip.escpos(codePage: page, qr: rendering)
                guard let output else {
                    FileHandle.standardOutput.write(Data(bytes))
                    return
                }
                try PrinterPort(path: output).send(bytes)
                try await station.certificates.record(AuditEvent(
                    event: "erasure.printed", consultant: consultant ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown",
                    certificate: record.content.certificate, detail: "\(parsed) to \(output)", time: Date()))
                Output.line("Erasure record \(parsed) printed to \(output).")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verifies an erasure record's signature from its QR payload (offline) or its number (in this registry).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The QR payload as scanned, or an erasure record number.")
        var payload: String
        @Option(help: "The chain's station public keys, one Base64 key a line; this station's own key is always trusted.")
        var keys: String?
        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let ring = try offlineKeyRing(keys, dataDirectory: global.resolvedDataDir)
                let output: VerifyOutput
                if let number = ErasureNumber(payload) {
                    let station = try global.openStation()
                    guard let record = try await station.erasureRecords.erasure(number) else {
                        throw Failure("No erasure record \(number) is in this registry.")
                    }
                    output = VerifyOutput(number: number, signatureValid: record.verify(with: ring), keyID: record.content.keyID,
                                          status: record.content.status, certificate: record.content.certificate)
                } else if let scanned = ErasurePayload(text: payload) {
                    output = VerifyOutput(number: scanned.content.number, signatureValid: scanned.verify(with: ring),
                                          keyID: scanned.content.keyID, status: scanned.content.status,
                                          certificate: scanned.content.certificate)
                    if !output.signatureValid, ring.keys[scanned.content.keyID] == nil {
                        throw unknownKey("Erasure record \(scanned.content.number)", scanned.content.keyID)
                    }
                } else {
                    throw Failure("That is neither an erasure record number nor an erasure record's QR payload: scan the QR code again or type the number.")
                }
                if json { try Output.json(output) }
                guard output.signatureValid else {
                    throw Failure("Erasure record \(output.number) FAILS verification: its contents do not match its signature, so it was altered or forged; do not rely on it.")
                }
                if !json {
                    Output.line("Erasure record \(output.number) is genuine (station key \(output.keyID)): \(output.status.rawValue), certificate \(output.certificate).")
                }
            }
        }

        struct VerifyOutput: Encodable {
            var number: ErasureNumber
            var signatureValid: Bool
            var keyID: KeyID
            var status: ErasureStatus
            var certificate: CertificateNumber

            enum CodingKeys: String, CodingKey {
                case number, signatureValid = "signature_valid", keyID = "key_id", status, certificate
            }
        }
    }
}
