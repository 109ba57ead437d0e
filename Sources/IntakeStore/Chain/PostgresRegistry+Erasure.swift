// SPDX-License-Identifier: Apache-2.0
public import Foundation
import Logging
import Grading
import PostgresNIO

/// Erasure records in the chain (issue 13 on the chain registry): the signed record's canonical encoding and
/// signature, beside the columns that find it, in `erasure` (migration c2). Append-only by trigger and grant; a record
/// is written only for a certificate that is issued or printed, under a row lock on it, so two benches never number
/// the same attempt. Reading checks the signature against the chain's station keys.
extension PostgresRegistry: ErasureRecords {
    public func recordErasure(_ draft: ErasureDraft, signer: any CertificateSigner, station: StationCode, at time: Date)
        async throws -> ErasureRecord
    {
        for (text, field) in [(draft.reason, "reason"), (draft.consultant, "consultant's name")]
            + draft.verification.byDevice.map({ ($0, "verification") })
            + draft.verification.byConsultantOnly.map({ ($0, "verification") })
        {
            if let problem = TextInput.problem(text, field: field) { throw StoreError.invalid(problem) }
        }
        let certificate = draft.certificate.rawValue
        let stationCode = self.stationCode?.rawValue ?? station.rawValue
        do {
            return try await transaction { connection, logger in
                var status: String?
                for try await found in try await connection.query(
                    "SELECT status FROM certificate WHERE number = \(certificate) FOR UPDATE", logger: logger
                ).decode(String.self) {
                    status = found
                }
                guard let status else { throw StoreError.notFound(draft.certificate) }
                guard status == CertificateStatus.issued.rawValue || status == CertificateStatus.printed.rawValue else {
                    throw StoreError.refused(
                        "Certificate \(draft.certificate) is \(status): only an issued or printed certificate's device is erased at the counter.")
                }
                var attempts = 0
                var erased: String?
                for try await (number, attempt, recorded) in try await connection.query(
                    "SELECT number, attempt, status FROM erasure WHERE certificate = \(certificate) ORDER BY attempt",
                    logger: logger
                ).decode((String, Int32, String).self) {
                    attempts = max(attempts, Int(attempt))
                    if recorded == ErasureStatus.erased.rawValue { erased = number }
                }
                if let erased {
                    throw StoreError.refused("The device of certificate \(draft.certificate) was already erased (record \(erased)).")
                }
                let number = ErasureNumber(certificate: draft.certificate, attempt: attempts + 1)
                let content = ErasureContent(number: number, draft: draft, station: station.rawValue, keyID: signer.keyID)
                let canonical = Data(try content.canonicalEncoding())
                let signature = try signer.signature(for: Array(canonical))
                _ = try await connection.query(
                    """
                    INSERT INTO erasure (number, certificate, attempt, status, canonical, signature, key_id, created_at)
                    VALUES (\(number.rawValue), \(certificate), \(Int32(number.attempt)), \(draft.status.rawValue),
                        \(canonical), \(signature), \(signer.keyID.hex), \(time))
                    """, logger: logger)
                _ = try await connection.query(
                    """
                    INSERT INTO audit (time, event, consultant, station, certificate, reason, detail)
                    VALUES (\(time), 'erasure.recorded', \(draft.consultant), \(stationCode), \(certificate),
                        \(draft.reason.isEmpty ? nil : draft.reason),
                        \("\(number): \(draft.status.rawValue), \(draft.method.rawValue), \(draft.device.model)"))
                    """, logger: logger)
                return ErasureRecord(content: content, signature: signature, signatureValid: true)
            }
        } catch let failure as ChainFailure {
            throw unreachable(failure, doing: "the erasure record was not stored (the erasure itself stands; record it again when the chain answers)")
        }
    }

    public func erasure(_ number: ErasureNumber) async throws -> ErasureRecord? {
        try await erasureRows("WHERE number = $1", [number.rawValue]).first
    }

    public func erasures(of certificate: CertificateNumber) async throws -> [ErasureRecord] {
        try await erasureRows("WHERE certificate = $1 ORDER BY attempt", [certificate.rawValue])
    }

    public func listErasures(limit: Int?) async throws -> [ErasureRecord] {
        try await erasureRows("ORDER BY created_at DESC, number DESC\(limit.map { " LIMIT \(max($0, 0))" } ?? "")", [])
    }

    private func erasureRows(_ clause: String, _ values: [String]) async throws -> [ErasureRecord] {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        let query = PostgresQuery(unsafeSQL: "SELECT number, canonical, signature FROM erasure \(clause)", binds: bindings)
        do {
            let rows = try await transaction { connection, logger in
                var rows: [(String, Data, Data)] = []
                for try await row in try await connection.query(query, logger: logger).decode((String, Data, Data).self) {
                    rows.append(row)
                }
                return rows
            }
            let ring = try await chainKeyRing()
            return try rows.map { number, canonical, signature in
                guard let payload = ErasurePayload(text: Base32.encode(Array(canonical) + Array(signature))),
                    payload.content.number.rawValue == number
                else {
                    throw StoreError.invalid(
                        "The chain registry's erasure record \(number) is damaged: call the technician to restore it from the backup.")
                }
                return ErasureRecord(content: payload.content, signature: signature, signatureValid: payload.verify(with: ring))
            }
        } catch let failure as ChainFailure {
            throw unreachable(failure, doing: "the erasure records cannot be read now")
        }
    }

    /// This station's trusted keys and every key in the chain's station table.
    private func chainKeyRing() async throws -> KeyRing {
        var ring = trustedKeys
        for key in try await stationKeys() { try? ring.add(publicKey: key.publicKey) }
        return ring
    }
}
