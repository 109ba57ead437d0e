// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// Where signed erasure records live: append-only, each tied to a trade-in certificate, one number per attempt.
///
/// Kept apart from ``CertificateRegistry`` so a registry adds erasure records without changing what certificates
/// need. Every implementation must refuse a record for a certificate that is not `issued` or `printed`, never
/// change or delete a record, and check each record's signature when it reads it (``ErasureRecord/signatureValid``).
public protocol ErasureRecords: Sendable {
    /// Numbers the attempt (the certificate's next), signs the record with `signer` and stores it with an audit
    /// entry, in one transaction. Refuses a certificate that is voided, redeemed, unknown, or already erased.
    func recordErasure(_ draft: ErasureDraft, signer: any CertificateSigner, station: StationCode, at time: Date) async throws
        -> ErasureRecord

    /// The record with `number`, or `nil`.
    func erasure(_ number: ErasureNumber) async throws -> ErasureRecord?

    /// Every record of one certificate, oldest first.
    func erasures(of certificate: CertificateNumber) async throws -> [ErasureRecord]

    /// Records newest first, at most `limit`.
    func listErasures(limit: Int?) async throws -> [ErasureRecord]
}
