// SPDX-License-Identifier: Apache-2.0
//
// The embedded registry's erasure records (table `erasure`, migration "2026-12-v5 erasure records"): one row per
// attempt, never changed or deleted, each checked against its signature when read.

public import Foundation
import GRDB
import Grading

extension SQLiteRegistry: ErasureRecords {
    public func recordErasure(_ draft: ErasureDraft, signer: any CertificateSigner, station: StationCode, at time: Date)
        async throws -> ErasureRecord
    {
        for (text, field) in [(draft.reason, "reason"), (draft.consultant, "consultant's name")] + draft.verification.byDevice.map({ ($0, "verification") })
            + draft.verification.byConsultantOnly.map({ ($0, "verification") })
        {
            if let problem = TextInput.problem(text, field: field) { throw StoreError.invalid(problem) }
        }
        do {
            return try await pool.write { db in
                guard let status = try String.fetchOne(
                    db, sql: "SELECT status FROM certificate WHERE number = ?", arguments: [draft.certificate.rawValue])
                else { throw StoreError.notFound(draft.certificate) }
                guard status == CertificateStatus.issued.rawValue || status == CertificateStatus.printed.rawValue else {
                    throw StoreError.refused(
                        "Certificate \(draft.certificate) is \(status): only an issued or printed certificate's device is erased at the counter.")
                }
                if let done = try String.fetchOne(
                    db, sql: "SELECT number FROM erasure WHERE certificate = ? AND status = 'erased' LIMIT 1",
                    arguments: [draft.certificate.rawValue])
                {
                    throw StoreError.refused("The device of certificate \(draft.certificate) was already erased (record \(done)).")
                }
                let attempt = (try Int.fetchOne(
                    db, sql: "SELECT max(attempt) FROM erasure WHERE certificate = ?", arguments: [draft.certificate.rawValue]) ?? 0) + 1
                let number = ErasureNumber(certificate: draft.certificate, attempt: attempt)
                let content = ErasureContent(number: number, draft: draft, station: station.rawValue, keyID: signer.keyID)
                let signature = try signer.signature(for: content.canonicalEncoding())
                try Self.insert(content, signature: signature, createdAt: time, db)
                try Self.append(
                    AuditEvent(
                        event: "erasure.recorded", consultant: draft.consultant, certificate: draft.certificate,
                        reason: draft.reason.isEmpty ? nil : draft.reason,
                        detail: "\(number): \(draft.status.rawValue), \(draft.method.rawValue), \(draft.device.model)", time: time),
                    db)
                return ErasureRecord(content: content, signature: signature, signatureValid: true)
            }
        } catch let error as DatabaseError {
            throw StoreError.io(
                "The erasure record could not be stored: \(Self.failure(path: path, error: error))")
        }
    }

    public func erasure(_ number: ErasureNumber) async throws -> ErasureRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM erasure WHERE number = ?", arguments: [number.rawValue]).map(self.decodeErasure)
        }
    }

    public func erasures(of certificate: CertificateNumber) async throws -> [ErasureRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM erasure WHERE certificate = ? ORDER BY attempt", arguments: [certificate.rawValue]
            ).map(self.decodeErasure)
        }
    }

    public func listErasures(limit: Int?) async throws -> [ErasureRecord] {
        try await read { db in
            var sql = "SELECT * FROM erasure ORDER BY created_at DESC, number DESC"
            if let limit { sql += " LIMIT \(max(limit, 0))" }
            return try Row.fetchAll(db, sql: sql).map(self.decodeErasure)
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw StoreError.io(Self.failure(path: path, error: error))
        }
    }

    private static func insert(_ c: ErasureContent, signature: Data, createdAt: Date, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO erasure (number, certificate, attempt, status, reason, method, sanitization, tool, device_make, device_model,
                    device_model_identifier, device_serial, device_imeis, media, verification_method, verified_by_device,
                    confirmed_by_consultant, verification_result, consultant, store_id, station, started_at, finished_at,
                    destination, key_id, signature, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                c.number.rawValue, c.certificate.rawValue, c.number.attempt, c.status.rawValue, c.reason, c.method.rawValue,
                c.sanitization, c.tool, c.device.make, c.device.model, c.device.modelIdentifier, c.device.serial,
                c.device.imeis.joined(separator: "\n"), c.device.media, c.verification.method,
                c.verification.byDevice.joined(separator: "\n"), c.verification.byConsultantOnly.joined(separator: "\n"),
                c.verification.result, c.consultant, c.storeID, c.station, ErasureTime.format(c.startedAt),
                ErasureTime.format(c.finishedAt), c.destination, c.keyID.hex, signature, Timestamp.format(createdAt),
            ])
    }

    /// A row as it is stored, its signature checked against the trusted keys; a damaged row gives a sentence.
    private func decodeErasure(_ row: Row) throws -> ErasureRecord {
        let label = String.fromDatabaseValue(row["number"] as DatabaseValue) ?? "?"
        func damaged(_ column: String) -> StoreError {
            .invalid("The registry's erasure record \(label) is damaged (\(column)): restore it from the backup.")
        }
        func text(_ column: String) throws -> String {
            guard let value = String.fromDatabaseValue(row[column] as DatabaseValue) else { throw damaged(column) }
            return value
        }
        func list(_ column: String) throws -> [String] {
            let value = try text(column)
            return value.isEmpty ? [] : value.components(separatedBy: "\n")
        }
        guard let number = ErasureNumber(try text("number")) else { throw damaged("number") }
        guard let certificate = CertificateNumber(try text("certificate")) else { throw damaged("certificate") }
        guard let status = ErasureStatus(rawValue: try text("status")) else { throw damaged("status") }
        guard let method = ErasureMethod(rawValue: try text("method")) else { throw damaged("method") }
        guard let started = ErasureTime.parse(try text("started_at")) else { throw damaged("started_at") }
        guard let finished = ErasureTime.parse(try text("finished_at")) else { throw damaged("finished_at") }
        guard let keyID = KeyID(hex: try text("key_id")) else { throw damaged("key_id") }
        guard let signature = Data.fromDatabaseValue(row["signature"] as DatabaseValue) else { throw damaged("signature") }
        var draft = ErasureDraft(
            certificate: certificate, status: status, reason: try text("reason"), method: method, tool: try text("tool"),
            device: ErasureDevice(
                make: try text("device_make"), model: try text("device_model"),
                modelIdentifier: try text("device_model_identifier"), serial: try text("device_serial"),
                imeis: try list("device_imeis"), media: try text("media")),
            verification: ErasureVerification(
                method: try text("verification_method"), byDevice: try list("verified_by_device"),
                byConsultantOnly: try list("confirmed_by_consultant"), result: try text("verification_result")),
            consultant: try text("consultant"), storeID: try text("store_id"), startedAt: started, finishedAt: finished,
            destination: try text("destination"))
        draft.sanitization = try text("sanitization")
        // A number whose certificate part disagrees with the certificate column was edited: the signature (over
        // the number) then fails, because the content is built from the number.
        let content = ErasureContent(
            number: number.certificate == certificate ? number : ErasureNumber(certificate: certificate, attempt: number.attempt),
            draft: draft, station: try text("station"), keyID: keyID)
        let record = ErasureRecord(content: content, signature: signature, signatureValid: false)
        let ring = trusted.withLock { $0 }
        return ErasureRecord(content: content, signature: signature, signatureValid: record.verify(with: ring))
    }
}
