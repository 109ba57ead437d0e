// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Grading
public import IntakeStore

/// Prints a certificate's slip and records the print in the registry, for `intake-agent print` and for sessions.
///
/// The slip is rendered first and sent to the printer second; only a send that completed is recorded (the first
/// as `certificate.printed`, later ones as `certificate.reprinted` with their reason). A printer that is missing or
/// fails leaves the certificate as it was, issued and printable, and the failed attempt in the audit log.
public struct CertificatePrinter: Sendable {
    public enum Format: String, Sendable, Hashable, CaseIterable { case text, escpos }

    public var format: Format
    public var width: PaperWidth
    public var codePage: CodePage
    public var qr: QRRendering

    public init(format: Format = .escpos, width: PaperWidth = .mm80, codePage: CodePage = .rk1048, qr: QRRendering = .native) {
        self.format = format
        self.width = width
        self.codePage = codePage
        self.qr = qr
    }

    /// The slip's bytes for `certificate`.
    public func render(_ certificate: Certificate, store: Store?, pending: Bool = false) throws -> [UInt8] {
        let slip = try Slip(certificate: certificate, store: store, width: width, pending: pending)
        switch format {
        case .text: return Array(slip.text().utf8)
        case .escpos: return try slip.escpos(codePage: codePage, qr: qr)
        }
    }

    /// Prints certificate `number` to `port` and records it; a reprint needs a `reason`. Throws ``PrintError`` for
    /// the printer, ``StoreError`` for the registry (unknown number, void certificate, missing reason). `send`
    /// writes the bytes: a caller with an executor for blocking work passes one that writes there.
    @discardableResult
    public func print(
        _ number: CertificateNumber, registry: any CertificateRegistry, stores: StoreList?, to port: PrinterPort,
        reason: String?, consultant: String, at time: Date = Date(),
        send: @Sendable (PrinterPort, [UInt8]) async throws(PrintError) -> Void = { port, bytes throws(PrintError) in try port.send(bytes) }
    ) async throws -> Certificate {
        guard let certificate = try await registry.certificate(number) else { throw StoreError.notFound(number) }
        guard certificate.status != .voided else {
            throw StoreError.refused("Certificate \(number) is void: it is not printed.")
        }
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if certificate.printCount > 0, reason.isEmpty {
            throw StoreError.refused(
                "Certificate \(number) was printed \(certificate.printCount) time(s) already: give --reason for the reprint.")
        }
        let pending = try await (registry as? PostgresRegistry)?.outboxState(number) == .pending
        let bytes = try render(certificate, store: stores?.store(id: certificate.content.storeID), pending: pending)
        do throws(PrintError) {
            try await send(port, bytes)
        } catch {
            // The attempt is audited; the certificate itself stays as it was, printable.
            try? await registry.record(
                AuditEvent(
                    event: "certificate.print_failed", consultant: consultant, certificate: number,
                    deviceKey: certificate.content.deviceKey, reason: error.description, time: time))
            throw error
        }
        if certificate.printCount == 0 {
            return try await registry.markPrinted(number, consultant: consultant, at: time)
        }
        return try await registry.recordReprint(number, reason: reason, consultant: consultant, at: time)
    }
}
