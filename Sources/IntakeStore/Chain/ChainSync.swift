// SPDX-License-Identifier: Apache-2.0
public import Foundation
import Grading

/// What one pass of the outbox sync did.
public struct SyncReport: Sendable, Hashable {
    /// Certificates the chain now holds that it did not before this pass (or a retried push found there).
    public var pushed: [CertificateNumber] = []
    /// Pending certificates whose device the chain already held: kept for the technician.
    public var conflicts: [CertificateNumber] = []
    /// Entries of a process that died before the chain had them: not certificates.
    public var abandoned: [CertificateNumber] = []
    /// Entries still waiting for the chain.
    public var remaining: Int = 0
    /// Why the pass stopped early (the chain unreachable), `nil` when it went through.
    public var problem: String?
}

extension PostgresRegistry {
    /// Pushes the outbox to the chain once: pending certificates in the order they were issued, idempotently (the
    /// number is the key, so a push that had arrived before is found, not repeated), and settles the entries of
    /// processes that died mid-issuance against what the chain holds. Stops at the first sign the chain is
    /// unreachable, leaving the rest pending.
    public func syncOutbox(publicKeys: [KeyID: Data], holderLimit: Int = 1, at time: Date = Date()) async throws -> SyncReport {
        var report = SyncReport()
        let entries = try await local.outbox([.pending, .sending])
        for entry in entries {
            if report.problem != nil {
                report.remaining += 1
                continue
            }
            switch entry.state {
            case .sending:
                guard entry.ownerIsGone else {
                    report.remaining += 1
                    continue
                }
                do {
                    let present = try await transaction { connection, logger in
                        try await connection.query(
                            "SELECT 1 FROM certificate WHERE number = \(entry.number.rawValue) AND signature = \(entry.certificate.signature)",
                            logger: logger
                        ).decode(Int32.self).reduce(into: false) { found, _ in found = true }
                    }
                    if present {
                        try await local.settleOutbox(entry.number, state: .synced, at: time)
                        report.pushed.append(entry.number)
                    } else {
                        try await local.settleOutbox(
                            entry.number, state: .abandoned,
                            error: "its issuing process ended before the chain registry stored it; it was never handed over",
                            at: time)
                        report.abandoned.append(entry.number)
                    }
                } catch let failure as ChainFailure {
                    report.problem = describeProblem(failure)
                    report.remaining += 1
                }
            case .pending:
                let code = StationCode(String(entry.number.rawValue.dropFirst(9).prefix(2))) ?? stationCode
                    ?? StationCode(keyID: entry.certificate.content.keyID)
                let event = AuditEvent(
                    event: "certificate.issued", consultant: entry.certificate.consultant, certificate: entry.number,
                    deviceKey: entry.certificate.content.deviceKey,
                    detail: "issued offline at \(entry.certificate.content.storeID) on \(entry.certificate.content.issuedOn), pushed by the station's sync",
                    time: entry.certificate.createdAt)
                guard let publicKey = publicKeys[entry.certificate.content.keyID] else {
                    try await local.settleOutbox(
                        entry.number, state: .conflict,
                        error: "signed by the key \(entry.certificate.content.keyID), which this station no longer holds: restore it to retired-keys/ from the backup",
                        at: time)
                    report.conflicts.append(entry.number)
                    continue
                }
                switch await push(
                    entry.certificate, event: event, publicKey: publicKey, code: code,
                    store: storeID ?? entry.certificate.content.storeID, offline: true, holderLimit: holderLimit)
                {
                case .stored(let stored):
                    try await local.settleOutbox(entry.number, state: .synced, record: stored, at: time)
                    report.pushed.append(entry.number)
                case .duplicate(let sentence, let holder):
                    try await local.settleOutbox(entry.number, state: .conflict, error: sentence, conflict: holder, at: time)
                    try? await record(AuditEvent(
                        event: "certificate.conflict", consultant: entry.certificate.consultant,
                        certificate: entry.number, deviceKey: entry.certificate.content.deviceKey,
                        reason: "issued offline while the chain already held certificate \(holder.number) for the device",
                        time: time))
                    report.conflicts.append(entry.number)
                case .refused(let error):
                    try await local.settleOutbox(entry.number, state: .conflict, error: error.description, at: time)
                    report.conflicts.append(entry.number)
                case .failed(let failure):
                    if case .server = failure {
                        // The chain refused this one for good (a shared station code, a damaged row): keep it for the
                        // technician like a conflict rather than retrying forever.
                        try await local.settleOutbox(entry.number, state: .conflict, error: describeProblem(failure), at: time)
                        report.conflicts.append(entry.number)
                    } else {
                        try await local.settleOutbox(entry.number, state: .pending, error: describeProblem(failure), at: time)
                        report.problem = describeProblem(failure)
                        report.remaining += 1
                    }
                }
            default:
                break
            }
        }
        try await local.setChainState("last_sync_attempt", Timestamp.format(time))
        if let problem = report.problem {
            try await local.setChainState("last_sync_error", problem)
        } else {
            try await local.setChainState("last_sync", Timestamp.format(time))
            try await local.setChainState("last_sync_error", nil)
        }
        return report
    }

    func describeProblem(_ failure: ChainFailure) -> String {
        switch failure {
        case .unreachable(let reason, _, _): "the chain registry is unreachable (\(reason))"
        case .server(let state, _, let message): "the chain registry refused it (SQLSTATE \(state): \(message))"
        }
    }
}
