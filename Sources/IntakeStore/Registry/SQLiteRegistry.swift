// SPDX-License-Identifier: Apache-2.0
public import Foundation
import GRDB
public import Grading

/// The embedded registry: SQLite through GRDB in the data directory (`registry.sqlite`), WAL with
/// `synchronous = FULL` (a certificate the consultant saw issued survives a power cut), named migrations, and the
/// invariants in the schema itself (``RegistrySchema``): one live certificate per device key, signed fields that
/// never change, statuses that only move forward, an append-only audit log.
public final class SQLiteRegistry: CertificateRegistry {
    public static let fileName = "registry.sqlite"

    public let path: String
    public let blocklist: Blocklist
    private let pool: DatabasePool

    /// Opens (creating and migrating) the registry of a data directory, with its `blocklist.txt`.
    public convenience init(dataDirectory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io("Cannot create the data directory \(dataDirectory.path): check its permissions.")
        }
        try self.init(
            path: dataDirectory.appendingPathComponent(SQLiteRegistry.fileName).path,
            blocklist: Blocklist(dataDirectory: dataDirectory))
    }

    public init(path: String, blocklist: Blocklist) throws {
        self.path = path
        self.blocklist = blocklist
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "registry"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB turns WAL on with synchronous = NORMAL; a certificate must survive a power cut, so FULL, on the
            // single writer connection, which keeps it for its life.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            let migrator = RegistrySchema.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError.newerDatabase(
                    "The registry \(path) was written by a newer intake-agent: install that version or newer.")
            }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError.io(SQLiteRegistry.openFailure(path: path, error: error))
        }
    }

    private static func openFailure(path: String, error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            "The registry \(path) is damaged or not a registry: restore it from the backup, keeping the damaged file for inspection."
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
            "Cannot open the registry \(path): check that the data directory exists and is writable."
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            "The registry \(path) stayed locked by another process for 10 seconds: try again."
        default:
            "Cannot open the registry \(path) (\(error.message ?? "\(error.resultCode)")): check the data directory."
        }
    }

    /// The `synchronous` setting of the writer connection (2 = FULL), for tests and the benchmark.
    public func synchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// `PRAGMA integrity_check`'s answer (`ok` for a sound file).
    public func integrityCheck() throws -> String {
        try pool.read { try String.fetchAll($0, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    // MARK: - Issuance

    public func issue(
        _ draft: CertificateDraft, signer: any CertificateSigner, station: StationCode, consultant: String,
        at time: Date
    ) async throws -> Certificate {
        for key in draft.deviceKeys where key.rawValue.hasPrefix("imei:") {
            let imei = String(key.rawValue.dropFirst(5))
            if try blocklist.contains(imei: imei) {
                throw StoreError.refused(
                    "The IMEI \(imei) is on this store's blocklist: the device cannot be taken in; call the store manager.")
            }
        }
        let terms = draft.terms
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        do {
            return try await pool.write { db in
                if let taken = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT number, device_key FROM certificate_device
                        WHERE live = 1 AND device_key IN (\(databaseQuestionMarks(count: draft.deviceKeys.count)))
                        """,
                    arguments: StatementArguments(draft.deviceKeys.map(\.rawValue)))
                {
                    let number: String = taken["number"]
                    let key: String = taken["device_key"]
                    throw StoreError.refused(
                        "This device (\(key)) already has a certificate (\(number)): one device gives one certificate.")
                }
                let scope = CertificateNumber(storeID: terms.storeID, issuedOn: terms.issuedOn, station: station, sequence: 0)
                    .sequenceScope
                let sequence = try Int.fetchOne(db, sql: "SELECT next FROM number_sequence WHERE scope = ?", arguments: [scope]) ?? 0
                guard sequence < CertificateNumber.sequenceCapacity else {
                    throw StoreError.refused(
                        "Station \(station) has issued all \(CertificateNumber.sequenceCapacity) numbers of \(scope) this month: assign the station another code.")
                }
                try db.execute(
                    sql: """
                        INSERT INTO number_sequence (scope, next) VALUES (?, ?)
                        ON CONFLICT (scope) DO UPDATE SET next = excluded.next
                        """,
                    arguments: [scope, sequence + 1])
                let number = CertificateNumber(
                    storeID: terms.storeID, issuedOn: terms.issuedOn, station: station, sequence: sequence)
                let content = CertificateContent(
                    number: number, storeID: terms.storeID, issuedOn: terms.issuedOn, expiresOn: terms.expiresOn,
                    amount: terms.amount, holderName: terms.holderName, holderIINMasked: terms.iin.masked,
                    holderCommitment: CertificateContent.commitment(iin: terms.iin, salt: salt),
                    deviceKey: terms.deviceKey, deviceSerial: draft.deviceSerial ?? "",
                    modelIdentifier: draft.modelIdentifier, modelName: terms.modelName, grade: draft.grade,
                    ruleSet: draft.ruleSet, keyID: signer.keyID)
                let signature = try signer.signature(for: content.canonicalEncoding())
                let certificate = Certificate(
                    content: content, signature: signature, holderIIN: terms.iin, holderSalt: salt,
                    deviceKeys: draft.deviceKeys, status: .issued, printCount: 0, consultant: consultant,
                    createdAt: time, voidReason: nil, redemption: nil)
                try Self.insert(certificate, db)
                try Self.append(
                    AuditEvent(
                        event: "certificate.issued", consultant: consultant, certificate: number,
                        deviceKey: terms.deviceKey,
                        detail: "\(terms.amount.slipText), \(terms.holderName) (\(terms.iin.masked)), \(terms.modelName), grade \(draft.grade), rule set \(draft.ruleSet)",
                        time: time), db)
                return certificate
            }
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE && (error.message ?? "").contains("device_key")
        {
            // Another process won the race between the check above and the insert: the index refused the second.
            throw StoreError.refused(
                "This device (\(terms.deviceKey)) already has a certificate: one device gives one certificate.")
        } catch let error as DatabaseError {
            throw StoreError.io(
                "The certificate could not be stored (\(error.message ?? "\(error.resultCode)")); nothing was issued: try again, and if it repeats, check the data directory's disk.")
        }
    }

    private static func insert(_ certificate: Certificate, _ db: Database) throws {
        let content = certificate.content
        try db.execute(
            sql: """
                INSERT INTO certificate (number, status, store_id, issued_on, expires_on, amount_kzt, holder_name,
                    holder_iin_masked, holder_commitment, holder_iin, holder_salt, device_key, device_serial,
                    model_identifier, model_name, grade, rule_set, key_id, signature, consultant, created_at, print_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                """,
            arguments: [
                content.number.rawValue, certificate.status.rawValue, content.storeID, content.issuedOn.description,
                content.expiresOn.description, content.amount.amount, content.holderName, content.holderIINMasked,
                Data(content.holderCommitment), certificate.holderIIN.digits, Data(certificate.holderSalt),
                content.deviceKey.rawValue, content.deviceSerial, content.modelIdentifier, content.modelName,
                content.grade, content.ruleSet, content.keyID.hex, certificate.signature, certificate.consultant,
                Timestamp.format(certificate.createdAt),
            ])
        for key in certificate.deviceKeys {
            try db.execute(
                sql: "INSERT INTO certificate_device (number, device_key, live) VALUES (?, ?, 1)",
                arguments: [content.number.rawValue, key.rawValue])
        }
    }

    // MARK: - Lookups

    public func certificate(_ number: CertificateNumber) async throws -> Certificate? {
        try await pool.read { db in try Self.fetch(number.rawValue, db) }
    }

    public func list(_ filter: CertificateFilter) async throws -> [Certificate] {
        try await pool.read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let status = filter.status {
                conditions.append("status = ?")
                arguments.append(status.rawValue)
            }
            if let from = filter.issuedFrom {
                conditions.append("issued_on >= ?")
                arguments.append(from.description)
            }
            if let through = filter.issuedThrough {
                conditions.append("issued_on <= ?")
                arguments.append(through.description)
            }
            var sql = "SELECT * FROM certificate"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY created_at DESC, number DESC"
            if let limit = filter.limit { sql += " LIMIT \(max(limit, 0))" }
            let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
            // One query for the device keys of all of them, not one a certificate.
            var keys: [String: [String]] = [:]
            let numbers = rows.compactMap { String.fromDatabaseValue($0["number"] as DatabaseValue) }
            for chunk in stride(from: 0, to: numbers.count, by: 500).map({ numbers[$0..<min($0 + 500, numbers.count)] }) {
                let pairs = try Row.fetchAll(
                    db,
                    sql: "SELECT number, device_key FROM certificate_device WHERE number IN (\(databaseQuestionMarks(count: chunk.count))) ORDER BY device_key",
                    arguments: StatementArguments(Array(chunk)))
                for pair in pairs {
                    keys[pair["number"], default: []].append(pair["device_key"])
                }
            }
            return try rows.map { row in
                try Self.decode(row, deviceKeys: keys[String.fromDatabaseValue(row["number"] as DatabaseValue) ?? ""] ?? [])
            }
        }
    }

    public func liveCertificate(forAnyOf keys: [DeviceKey]) async throws -> Certificate? {
        guard !keys.isEmpty else { return nil }
        return try await pool.read { db in
            guard let number = try String.fetchOne(
                db,
                sql: "SELECT number FROM certificate_device WHERE live = 1 AND device_key IN (\(databaseQuestionMarks(count: keys.count)))",
                arguments: StatementArguments(keys.map(\.rawValue)))
            else { return nil }
            return try Self.fetch(number, db)
        }
    }

    public func isBlocklisted(imei: String) async throws -> Bool {
        try blocklist.contains(imei: imei)
    }

    // MARK: - Changes

    public func void(_ number: CertificateNumber, reason: String, consultant: String, at time: Date) async throws
        -> Certificate
    {
        let reason = try Self.requireReason(reason, for: "void")
        return try await change(number) { certificate, db in
            switch certificate.status {
            case .voided:
                throw StoreError.refused("Certificate \(number) is already void (\(certificate.voidReason ?? "no reason")).")
            case .redeemed:
                throw StoreError.refused(
                    "Certificate \(number) has been redeemed, so it cannot be voided: the purchase it paid for stands.")
            case .issued, .printed:
                try db.execute(
                    sql: "UPDATE certificate SET status = 'voided', void_reason = ? WHERE number = ?",
                    arguments: [reason, number.rawValue])
                try Self.append(
                    AuditEvent(
                        event: "certificate.voided", consultant: consultant, certificate: number,
                        deviceKey: certificate.content.deviceKey, reason: reason, time: time), db)
            }
        }
    }

    public func redeem(
        _ number: CertificateNumber, split: Redemption.Split, on day: CivilDate, consultant: String, at time: Date
    ) async throws -> Certificate {
        try await change(number) { certificate, db in
            switch certificate.status {
            case .voided:
                throw StoreError.refused(
                    "Certificate \(number) was voided (\(certificate.voidReason ?? "no reason")), so it cannot be spent.")
            case .redeemed:
                throw StoreError.refused("Certificate \(number) has already been redeemed: a certificate buys one device.")
            case .issued, .printed:
                break
            }
            if certificate.isExpired(on: day) {
                throw StoreError.refused(
                    "Certificate \(number) expired after \(certificate.content.expiresOn), so it is worthless now.")
            }
            if day < certificate.content.issuedOn {
                throw StoreError.refused(
                    "Certificate \(number) is dated \(certificate.content.issuedOn), after \(day): check the bench's clock.")
            }
            guard split.certificate == certificate.content.amount else {
                throw StoreError.refused(
                    "Certificate \(number) is worth \(certificate.content.amount.slipText) and is spent whole, not \(split.certificate.slipText).")
            }
            let json = String(decoding: try JSONEncoder.registry.encode(split), as: UTF8.self)
            try db.execute(
                sql: "UPDATE certificate SET status = 'redeemed', redemption = ? WHERE number = ?",
                arguments: [json, number.rawValue])
            try Self.append(
                AuditEvent(
                    event: "certificate.redeemed", consultant: consultant, certificate: number,
                    deviceKey: certificate.content.deviceKey,
                    detail: "prepayment \(split.certificateToPrepayment.slipText), first payment \(split.certificateToFirstPayment.slipText), balance \(split.certificateToBalance.slipText)",
                    time: time), db)
        }
    }

    public func markPrinted(_ number: CertificateNumber, consultant: String, at time: Date) async throws -> Certificate {
        try await recordPrint(number, event: "certificate.printed", reason: nil, consultant: consultant, at: time)
    }

    public func recordReprint(_ number: CertificateNumber, reason: String, consultant: String, at time: Date)
        async throws -> Certificate
    {
        let reason = try Self.requireReason(reason, for: "reprint")
        return try await recordPrint(number, event: "certificate.reprinted", reason: reason, consultant: consultant, at: time)
    }

    /// Counts a print that reached the printer (issued → printed on the first) and audits it.
    private func recordPrint(
        _ number: CertificateNumber, event: String, reason: String?, consultant: String, at time: Date
    ) async throws -> Certificate {
        try await change(number) { certificate, db in
            guard certificate.status != .voided else {
                throw StoreError.refused("Certificate \(number) is void: it is not printed.")
            }
            try db.execute(
                sql: """
                    UPDATE certificate SET print_count = print_count + 1,
                        status = CASE status WHEN 'issued' THEN 'printed' ELSE status END
                    WHERE number = ?
                    """,
                arguments: [number.rawValue])
            try Self.append(
                AuditEvent(
                    event: event, consultant: consultant, certificate: number,
                    deviceKey: certificate.content.deviceKey, reason: reason, time: time), db)
        }
    }

    /// Runs `body` on the current row in one write transaction and returns the row as it is afterwards.
    private func change(
        _ number: CertificateNumber, _ body: @escaping @Sendable (Certificate, Database) throws -> Void
    ) async throws -> Certificate {
        try await pool.write { db in
            guard let certificate = try Self.fetch(number.rawValue, db) else { throw StoreError.notFound(number) }
            try body(certificate, db)
            guard let updated = try Self.fetch(number.rawValue, db) else { throw StoreError.notFound(number) }
            return updated
        }
    }

    private static func requireReason(_ reason: String, for action: String) throws -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw StoreError.invalid("A \(action) needs a reason for the audit log: give one with --reason.")
        }
        return trimmed
    }

    // MARK: - Audit

    public func record(_ event: AuditEvent) async throws {
        try await pool.write { db in try Self.append(event, db) }
    }

    public func audit(for number: CertificateNumber?, limit: Int?) async throws -> [AuditEntry] {
        try await pool.read { db in
            var sql = "SELECT * FROM audit"
            var arguments: StatementArguments = []
            if let number {
                sql += " WHERE certificate = ?"
                arguments = [number.rawValue]
            }
            sql += " ORDER BY id"
            if let limit { sql += " LIMIT \(max(limit, 0))" }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AuditEntry(
                    id: row["id"], time: Timestamp.parse(row["time"]) ?? Date(timeIntervalSince1970: 0),
                    event: row["event"], consultant: row["consultant"], certificate: row["certificate"],
                    deviceKey: row["device_key"], reason: row["reason"], detail: row["detail"])
            }
        }
    }

    private static func append(_ event: AuditEvent, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO audit (time, event, consultant, certificate, device_key, reason, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Timestamp.format(event.time), event.event, event.consultant, event.certificate?.rawValue,
                event.deviceKey?.rawValue, event.reason, event.detail,
            ])
    }

    // MARK: - Rows

    private static func fetch(_ number: String, _ db: Database) throws -> Certificate? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM certificate WHERE number = ?", arguments: [number])
        else { return nil }
        let keys = try String.fetchAll(
            db, sql: "SELECT device_key FROM certificate_device WHERE number = ? ORDER BY device_key", arguments: [number])
        return try decode(row, deviceKeys: keys)
    }

    /// Reads a row defensively: a row changed by hand or damaged on disk gives a sentence, never a crash.
    static func decode(_ row: Row, deviceKeys: [String]) throws -> Certificate {
        let rawNumber = row["number"] as DatabaseValue
        let label = String.fromDatabaseValue(rawNumber) ?? "?"
        func damaged(_ column: String) -> StoreError {
            .invalid("The registry's row for certificate \(label) is damaged (\(column)): restore it from the backup.")
        }
        func text(_ column: String) throws -> String {
            guard let value = String.fromDatabaseValue(row[column] as DatabaseValue) else { throw damaged(column) }
            return value
        }
        func bytes(_ column: String, count: Int) throws -> [UInt8] {
            guard let value = Data.fromDatabaseValue(row[column] as DatabaseValue), value.count == count else {
                throw damaged(column)
            }
            return Array(value)
        }
        guard let number = CertificateNumber(try text("number")) else { throw damaged("number") }
        guard let status = CertificateStatus(rawValue: try text("status")) else { throw damaged("status") }
        guard let issuedOn = CivilDate(try text("issued_on")) else { throw damaged("issued_on") }
        guard let expiresOn = CivilDate(try text("expires_on")) else { throw damaged("expires_on") }
        guard let amount = Int.fromDatabaseValue(row["amount_kzt"] as DatabaseValue) else { throw damaged("amount_kzt") }
        guard case .success(let iin) = IIN.validate(try text("holder_iin")) else { throw damaged("holder_iin") }
        guard let deviceKey = DeviceKey(rawValue: try text("device_key")) else { throw damaged("device_key") }
        guard let keyID = KeyID(hex: try text("key_id")) else { throw damaged("key_id") }
        guard let printCount = Int.fromDatabaseValue(row["print_count"] as DatabaseValue) else {
            throw damaged("print_count")
        }
        let keys = try deviceKeys.map { key in
            guard let parsed = DeviceKey(rawValue: key) else { throw damaged("device keys") }
            return parsed
        }
        var redemption: Redemption.Split?
        if let json = String.fromDatabaseValue(row["redemption"] as DatabaseValue) {
            redemption = try? JSONDecoder().decode(Redemption.Split.self, from: Data(json.utf8))
            if redemption == nil { throw damaged("redemption") }
        }
        let content = CertificateContent(
            number: number, storeID: try text("store_id"), issuedOn: issuedOn, expiresOn: expiresOn,
            amount: Tenge(amount), holderName: try text("holder_name"), holderIINMasked: try text("holder_iin_masked"),
            holderCommitment: try bytes("holder_commitment", count: 16), deviceKey: deviceKey,
            deviceSerial: try text("device_serial"), modelIdentifier: try text("model_identifier"),
            modelName: try text("model_name"), grade: try text("grade"), ruleSet: try text("rule_set"), keyID: keyID)
        return Certificate(
            content: content, signature: Data(try bytes("signature", count: 64)), holderIIN: iin,
            holderSalt: try bytes("holder_salt", count: 16), deviceKeys: keys, status: status, printCount: printCount,
            consultant: try text("consultant"), createdAt: Timestamp.parse(try text("created_at")) ?? Date(timeIntervalSince1970: 0),
            voidReason: String.fromDatabaseValue(row["void_reason"] as DatabaseValue), redemption: redemption)
    }
}

/// Timestamps in the registry: ISO 8601 UTC with milliseconds, so they sort as text.
enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static func format(_ date: Date) -> String { style.format(date) }
    static func parse(_ text: String) -> Date? { try? style.parse(text) }
}

extension JSONEncoder {
    static var registry: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
