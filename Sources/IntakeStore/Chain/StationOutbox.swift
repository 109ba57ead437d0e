// SPDX-License-Identifier: Apache-2.0
public import Foundation
import GRDB
import Glibc
import Grading

/// Where a certificate this station signed stands with the chain.
public enum OutboxState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Being stored in the chain by a running process (`owner_pid`); if that process died, the sync settles it.
    case sending
    /// Issued while the chain was unreachable (`offline_issuance: "queue"`): the sync pushes it.
    case pending
    /// The chain holds it.
    case synced
    /// The chain already held a live certificate for the device: listed by `registry conflicts` for the technician.
    case conflict
    /// Never reached the chain and was not handed over (refused, or its issuing process died before the chain
    /// had it): it is not a certificate.
    case abandoned
}

/// One certificate in the station's outbox.
public struct OutboxEntry: Sendable, Hashable {
    public var number: CertificateNumber
    public var state: OutboxState
    public var certificate: Certificate
    public var attempts: Int
    public var lastError: String?
    /// The chain's certificate that holds the device, for a conflict.
    public var conflictNumber: String?
    public var conflictStore: String?
    public var conflictDate: String?
    public var createdAt: Date
    public var updatedAt: Date
    let ownerPID: Int32?
}

/// The station's side of the chain registry, in its SQLite file: certificate numbers (allocated here, so a station
/// numbers the same way online and offline and two stations never collide while their codes differ) and the outbox
/// of certificates it signed, each with its state.
extension SQLiteRegistry {
    /// Takes the next number of `station`'s sequence for `day`'s month in `db`'s transaction.
    static func takeNumber(_ db: Database, storeID: String, issuedOn day: CivilDate, station: StationCode) throws
        -> CertificateNumber
    {
        let scope = CertificateNumber(storeID: storeID, issuedOn: day, station: station, sequence: 0).sequenceScope
        let sequence = try Int.fetchOne(db, sql: "SELECT next FROM number_sequence WHERE scope = ?", arguments: [scope]) ?? 0
        guard sequence < CertificateNumber.sequenceCapacity else {
            throw StoreError.refused(
                "Station \(station) has issued all \(CertificateNumber.sequenceCapacity) numbers of \(scope) this month: assign the station another code.")
        }
        try db.execute(
            sql: "INSERT INTO number_sequence (scope, next) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET next = excluded.next",
            arguments: [scope, sequence + 1])
        return CertificateNumber(storeID: storeID, issuedOn: day, station: station, sequence: sequence)
    }

    /// Allocates the next number, signs `draft` as it and records the intent (`sending`, owned by this process), in
    /// one durable transaction: whatever happens next, the station knows it signed that number.
    func signIntent(
        _ draft: CertificateDraft, signer: any CertificateSigner, station: StationCode, consultant: String, at time: Date
    ) async throws -> Certificate {
        try await outboxGuarded { try await pool.write { db in
            let number = try Self.takeNumber(db, storeID: draft.terms.storeID, issuedOn: draft.terms.issuedOn, station: station)
            let certificate = try draft.signed(as: number, by: signer, keys: draft.deviceKeys, consultant: consultant, at: time)
            try Self.writeOutbox(certificate, state: .sending, at: time, db)
            return certificate
        } }
    }

    /// Marks `number` synced without waiting for the disk: if a power cut loses the mark, the entry is `sending`
    /// again with its process gone, and the sync finds the certificate in the chain and marks it once more.
    func markSynced(_ number: CertificateNumber, record certificate: Certificate, at time: Date) async throws {
        let record = String(decoding: try JSONEncoder.registry.encode(CertificateRecord(certificate)), as: UTF8.self)
        try await outboxGuarded { try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            try db.inTransaction {
                try db.execute(
                    sql: """
                        UPDATE chain_outbox SET state = 'synced', last_error = NULL, attempts = attempts + 1, record = ?,
                            owner_pid = NULL, updated_at = ?
                        WHERE number = ?
                        """,
                    arguments: [record, Timestamp.format(time), number.rawValue])
                return .commit
            }
        } }
    }

    private static func writeOutbox(_ certificate: Certificate, state: OutboxState, at time: Date, _ db: Database) throws {
        let record = String(decoding: try JSONEncoder.registry.encode(CertificateRecord(certificate)), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO chain_outbox (number, state, record, owner_pid, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (number) DO UPDATE SET state = excluded.state, record = excluded.record,
                    owner_pid = excluded.owner_pid, updated_at = excluded.updated_at
                """,
            arguments: [
                certificate.number.rawValue, state.rawValue, record, Int(getpid()), Timestamp.format(time),
                Timestamp.format(time),
            ])
    }

    /// Writes `certificate` to the outbox in `state`, owned by this process; refuses (for a certificate issued
    /// offline) when another pending one of this station already holds one of its device keys.
    func putOutbox(_ certificate: Certificate, state: OutboxState, holderLimit: Int? = nil, at time: Date) async throws {
        let keys = certificate.deviceKeys.map(\.rawValue)
        try await outboxGuarded { try await pool.write { db in
            if state == .pending {
                // While the chain is unreachable, what this station signed is all it knows of the phone.
                for entry in try Self.outboxRows(db, states: [.pending, .sending, .synced])
                where entry.number != certificate.number && entry.certificate.status.isLive {
                    if let shared = entry.certificate.deviceKeys.first(where: { keys.contains($0.rawValue) }) {
                        throw StoreError.refused(
                            "This phone (\(shared)) already has certificate \(entry.number), issued here on \(entry.certificate.content.issuedOn): one device gives one certificate.")
                    }
                }
                if let holderLimit {
                    let holders = try Self.outboxRows(db, states: [.pending, .sending]).filter { entry in
                        entry.number != certificate.number && entry.certificate.holderIIN == certificate.holderIIN
                            && entry.certificate.status.isLive && entry.certificate.status != .redeemed
                            && !entry.certificate.isExpired(on: certificate.content.issuedOn)
                    }
                    if holders.count >= holderLimit, let oldest = holders.first {
                        throw StoreError.refused(holderLimitSentence(
                            number: oldest.number.rawValue, store: oldest.certificate.content.storeID,
                            date: oldest.certificate.content.issuedOn.description,
                            masked: certificate.content.holderIINMasked, limit: holderLimit))
                    }
                }
            }
            try Self.writeOutbox(certificate, state: state, at: time, db)
        } }
    }

    /// Moves an outbox entry to `state`, keeping why (`error`) and, for a conflict, the chain's certificate.
    func settleOutbox(
        _ number: CertificateNumber, state: OutboxState, error: String? = nil,
        conflict: (number: String, store: String, date: String)? = nil, record certificate: Certificate? = nil,
        at time: Date
    ) async throws {
        let record = try certificate.map { String(decoding: try JSONEncoder.registry.encode(CertificateRecord($0)), as: UTF8.self) }
        try await outboxGuarded { try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE chain_outbox SET state = ?, last_error = ?, attempts = attempts + 1,
                        conflict_number = coalesce(?, conflict_number), conflict_store = coalesce(?, conflict_store),
                        conflict_date = coalesce(?, conflict_date), record = coalesce(?, record), owner_pid = NULL,
                        updated_at = ?
                    WHERE number = ?
                    """,
                arguments: [
                    state.rawValue, error, conflict?.number, conflict?.store, conflict?.date, record,
                    Timestamp.format(time), number.rawValue,
                ])
        } }
    }

    /// The outbox entries in `states` (all when empty), oldest first.
    public func outbox(_ states: Set<OutboxState> = []) async throws -> [OutboxEntry] {
        try await outboxGuarded { try await pool.read { db in try Self.outboxRows(db, states: states) } }
    }

    /// One outbox entry.
    public func outboxEntry(_ number: CertificateNumber) async throws -> OutboxEntry? {
        try await outboxGuarded { try await pool.read { db in
            try Self.outboxRows(db, states: [], number: number.rawValue).first
        } }
    }

    /// A value the sync keeps (`last_sync`, `last_sync_error`).
    func chainState(_ name: String) async throws -> String? {
        try await outboxGuarded { try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM chain_state WHERE name = ?", arguments: [name])
        } }
    }

    func setChainState(_ name: String, _ value: String?) async throws {
        try await outboxGuarded { try await pool.write { db in
            if let value {
                try db.execute(
                    sql: "INSERT INTO chain_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    arguments: [name, value])
            } else {
                try db.execute(sql: "DELETE FROM chain_state WHERE name = ?", arguments: [name])
            }
        } }
    }

    private static func outboxRows(_ db: Database, states: Set<OutboxState>, number: String? = nil) throws -> [OutboxEntry] {
        var sql = "SELECT * FROM chain_outbox"
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if !states.isEmpty {
            conditions.append("state IN (\(databaseQuestionMarks(count: states.count)))")
            arguments += states.map(\.rawValue).sorted()
        }
        if let number {
            conditions.append("number = ?")
            arguments.append(number)
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY created_at, number"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
            let number: String = row["number"]
            guard let parsed = CertificateNumber(number), let state = OutboxState(rawValue: row["state"]),
                let record = try? JSONDecoder().decode(CertificateRecord.self, from: Data((row["record"] as String).utf8))
            else {
                throw StoreError.invalid(
                    "The station's outbox entry \(number) is damaged: restore the registry from the backup, or ask the technician to compare it with the chain.")
            }
            return OutboxEntry(
                number: parsed, state: state, certificate: try record.certificate(in: "station's outbox"),
                attempts: row["attempts"], lastError: row["last_error"], conflictNumber: row["conflict_number"],
                conflictStore: row["conflict_store"], conflictDate: row["conflict_date"],
                createdAt: Timestamp.parse(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
                updatedAt: Timestamp.parse(row["updated_at"]) ?? Date(timeIntervalSince1970: 0),
                ownerPID: (row["owner_pid"] as Int?).map(Int32.init(truncatingIfNeeded:)))
        }
    }

    private func outboxGuarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw StoreError.io(Self.failure(path: path, error: error))
        }
    }
}

extension OutboxEntry {
    /// Whether the process that was storing it is gone (so the sync may settle it).
    var ownerIsGone: Bool {
        guard let ownerPID else { return true }
        if ownerPID == getpid() { return false }
        return kill(ownerPID, 0) != 0 && errno == ESRCH
    }
}
