// SPDX-License-Identifier: Apache-2.0
public import Foundation
import GRDB
import Glibc
public import Grading
import Synchronization

/// The embedded registry: SQLite through GRDB in the data directory (`registry.sqlite`), WAL with
/// `synchronous = FULL` (a certificate the consultant saw issued survives a power cut), named migrations, and the
/// invariants in the schema itself (``RegistrySchema``): one live certificate per device key, signed fields that
/// never change, statuses that only move forward, an append-only audit log.
public final class SQLiteRegistry: CertificateRegistry {
    public static let fileName = "registry.sqlite"

    public let path: String
    public let blocklist: Blocklist
    let pool: DatabasePool
    /// The station keys whose signatures this registry's certificates must carry. Every certificate read is
    /// checked against them: a row changed behind the agent's back is reported as altered, never returned.
    let trusted = Mutex(KeyRing())
    /// The data directory whose station key this registry trusts, read again when a certificate names a key the
    /// registry does not hold yet (another process made the first key after this one opened).
    private let stationKeyDirectory: URL?

    /// Opens (creating and migrating) the registry of a data directory, with its `blocklist.txt`, trusting the
    /// directory's station key. A data directory is created 0700. A registry that holds certificates while the
    /// station key that signed them is missing is refused, naming the file to restore.
    public convenience init(dataDirectory: URL) throws {
        try DataDirectory.prepare(dataDirectory)
        try self.init(
            path: dataDirectory.appendingPathComponent(SQLiteRegistry.fileName).path,
            blocklist: Blocklist(dataDirectory: dataDirectory), stationKeyDirectory: dataDirectory)
        if let key = try StationKey.loadExisting(in: dataDirectory) {
            try trust(publicKey: key.publicKey)
        } else {
            let count = try certificateCount()
            if count > 0 {
                let keyPath = dataDirectory.appendingPathComponent(StationKey.fileName).path
                throw StoreError.io(
                    "The station key \(keyPath) is missing, but the registry holds \(count) certificate\(count == 1 ? "" : "s") it signed: restore that file from the backup (a new key would make every certificate here unverifiable).")
            }
        }
    }

    /// Opens (creating and migrating) the registry at `path`. The file is created 0600 (SQLite gives its `-wal`
    /// and `-shm` files the same mode) and a wider mode is narrowed. Opening and migrating happen under an
    /// exclusive lock on `path.lock`, so several processes opening a new data directory at once all succeed.
    /// It trusts no key until ``trust(publicKey:)``.
    public convenience init(path: String, blocklist: Blocklist) throws {
        try self.init(path: path, blocklist: blocklist, stationKeyDirectory: nil)
    }

    private init(path: String, blocklist: Blocklist, stationKeyDirectory: URL?) throws {
        self.path = path
        self.blocklist = blocklist
        self.stationKeyDirectory = stationKeyDirectory
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "registry"
        let lock = try RegistryFiles.lockExclusively(path + ".lock")
        defer { close(lock) }
        try RegistryFiles.createPrivately(path)
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
        RegistryFiles.narrowModes(path)
    }

    /// Trusts certificates signed by `publicKey` (the station's own key; a rotated-out key of this station).
    public func trust(publicKey: Data) throws {
        try trusted.withLock { ring in try ring.add(publicKey: publicKey) }
    }

    /// How many certificates the registry holds, whatever their status.
    public func certificateCount() throws -> Int {
        try guarded { try pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM certificate") ?? 0 } }
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
            failure(path: path, error: error)
        }
    }

    /// One sentence for a database failure, without SQLite's own wording.
    static func failure(path: String, error: DatabaseError) -> String {
        let what: String
        switch error.resultCode {
        case .SQLITE_FULL: what = "the disk is full"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN: what = "it cannot be written"
        case .SQLITE_BUSY, .SQLITE_LOCKED: what = "another process kept it locked for 10 seconds"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: what = "the file is damaged"
        case .SQLITE_CONSTRAINT:
            what = "one of its guards refused the change, which happens when the file was edited outside intake-agent"
        case .SQLITE_IOERR: what = "the disk reported an error"
        default: what = "the database answered with error \(error.resultCode.rawValue)"
        }
        return "The registry \(path) could not be used (\(what)): nothing was changed; check the data directory's disk, and restore the registry from the backup if it repeats."
    }

    /// Runs `body`, turning SQLite's errors into one sentence (``StoreError/io(_:)``).
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw StoreError.io(Self.failure(path: path, error: error))
        }
    }

    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw StoreError.io(Self.failure(path: path, error: error))
        }
    }

    /// `certificate` when its stored row still matches its signature; ``StoreError/altered(_:)`` otherwise.
    private func sound(_ certificate: Certificate) throws -> Certificate {
        var ring = trusted.withLock { $0 }
        if ring.keys[certificate.content.keyID] == nil, let directory = stationKeyDirectory,
            let key = try? StationKey.loadExisting(in: directory), key.keyID == certificate.content.keyID
        {
            try trust(publicKey: key.publicKey)
            ring = trusted.withLock { $0 }
        }
        guard certificate.verify(with: ring) else { throw StoreError.altered(certificate.number) }
        return certificate
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
        // The keys of one request belong to one device: remember that, even when the request is refused, so a later
        // request that names only one of them (an IMEI-only and a serial-only one) finds the other.
        try await link(draft.deviceKeys)
        do {
            return try await pool.write { db in
                let keys = try Self.linkedKeys(of: draft.deviceKeys.map(\.rawValue), db)
                if let taken = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT number, device_key FROM certificate_device
                        WHERE live = 1 AND device_key IN (\(databaseQuestionMarks(count: keys.count)))
                        """,
                    arguments: StatementArguments(keys))
                {
                    let number: String = taken["number"]
                    let key: String = taken["device_key"]
                    throw StoreError.refused(
                        "This device (\(key)) already has a certificate (\(number)): one device gives one certificate.")
                }
                let live = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT number, store_id, issued_on FROM certificate
                        WHERE holder_iin = ? AND status IN ('issued', 'printed') AND expires_on >= ?
                        ORDER BY created_at, number
                        """,
                    arguments: [terms.iin.digits, terms.issuedOn.description])
                if live.count >= draft.holderLimit, let oldest = live.first {
                    throw StoreError.refused(holderLimitSentence(
                        number: oldest["number"], store: oldest["store_id"], date: oldest["issued_on"],
                        masked: terms.iin.masked, limit: draft.holderLimit))
                }
                let number = try Self.takeNumber(db, storeID: terms.storeID, issuedOn: terms.issuedOn, station: station)
                // Every key the device is known by is spoken for, the linked ones too.
                let certificate = try draft.signed(
                    as: number, by: signer, keys: keys.compactMap(DeviceKey.init(rawValue:)), consultant: consultant,
                    at: time)
                try Self.insert(certificate, db)
                try Self.append(draft.issuedEvent(certificate, consultant: consultant, at: time), db)
                return certificate
            }
        } catch let error as DatabaseError
            where [.SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_TRIGGER].contains(error.extendedResultCode)
                && (error.message ?? "").contains("device_key")
        {
            // Another process won the race between the check above and the insert: the index refused the second.
            throw StoreError.refused(
                "This device (\(terms.deviceKey)) already has a certificate: one device gives one certificate.")
        } catch let error as DatabaseError {
            throw StoreError.io(
                "The certificate could not be stored, so nothing was issued: \(Self.failure(path: path, error: error))")
        }
    }

    /// Records that `keys` name one device (both directions), once.
    static func link(_ keys: [String], _ db: Database) throws {
        for key in keys {
            for other in keys where other != key {
                try db.execute(
                    sql: """
                        INSERT INTO device_link (device_key, linked_key) SELECT ?, ?
                        WHERE NOT EXISTS (SELECT 1 FROM device_link WHERE device_key = ? AND linked_key = ?)
                        """,
                    arguments: [key, other, key, other])
            }
        }
    }

    /// `keys` and every key linked to them, directly or through others: by a request that named them together
    /// (``link(_:_:)``) or by a certificate that holds them together.
    static func linkedKeys(of keys: [String], _ db: Database) throws -> [String] {
        var known = Set(keys)
        var frontier = keys
        while !frontier.isEmpty {
            let marks = databaseQuestionMarks(count: frontier.count)
            let found = try String.fetchAll(
                db,
                sql: """
                    SELECT linked_key FROM device_link WHERE device_key IN (\(marks))
                    UNION
                    SELECT other.device_key FROM certificate_device AS mine
                    JOIN certificate_device AS other ON other.number = mine.number
                    WHERE mine.device_key IN (\(marks))
                    """,
                arguments: StatementArguments(frontier + frontier))
            frontier = found.filter { known.insert($0).inserted }
        }
        return known.sorted()
    }

    private static func insert(_ certificate: Certificate, _ db: Database) throws {
        let content = certificate.content
        try db.execute(
            sql: """
                INSERT INTO certificate (number, status, store_id, issued_on, expires_on, amount_kzt, holder_name,
                    holder_iin_masked, holder_commitment, holder_iin, holder_salt, device_key, device_serial,
                    model_identifier, model_name, grade, rule_set, key_id, signature, consultant, created_at, print_count,
                    holder_document)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
                """,
            arguments: [
                content.number.rawValue, certificate.status.rawValue, content.storeID, content.issuedOn.description,
                content.expiresOn.description, content.amount.amount, content.holderName, content.holderIINMasked,
                Data(content.holderCommitment), certificate.holderIIN.digits, Data(certificate.holderSalt),
                content.deviceKey.rawValue, content.deviceSerial, content.modelIdentifier, content.modelName,
                content.grade, content.ruleSet, content.keyID.hex, certificate.signature, certificate.consultant,
                Timestamp.format(certificate.createdAt), certificate.holderDocument?.text,
            ])
        for key in certificate.deviceKeys {
            try db.execute(
                sql: "INSERT INTO certificate_device (number, device_key, live) VALUES (?, ?, 1)",
                arguments: [content.number.rawValue, key.rawValue])
        }
    }

    // MARK: - Lookups

    public func certificate(_ number: CertificateNumber) async throws -> Certificate? {
        try await guarded { try await pool.read { db in try self.fetch(number.rawValue, db) } }
    }

    public func list(_ filter: CertificateFilter) async throws -> [Certificate] {
        try await guarded { try await pool.read { db in
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
                try self.sound(
                    Self.decode(row, deviceKeys: keys[String.fromDatabaseValue(row["number"] as DatabaseValue) ?? ""] ?? []))
            }
        } }
    }

    public func liveCertificate(forAnyOf keys: [DeviceKey]) async throws -> Certificate? {
        guard !keys.isEmpty else { return nil }
        return try await guarded { try await pool.read { db in
            let linked = try Self.linkedKeys(of: keys.map(\.rawValue), db)
            guard let number = try String.fetchOne(
                db,
                sql: "SELECT number FROM certificate_device WHERE live = 1 AND device_key IN (\(databaseQuestionMarks(count: linked.count)))",
                arguments: StatementArguments(linked))
            else { return nil }
            return try self.fetch(number, db)
        } }
    }

    public func link(_ keys: [DeviceKey]) async throws {
        guard keys.count > 1 else { return }
        try await guarded { try await pool.write { db in try Self.link(keys.map(\.rawValue), db) } }
    }

    public func isBlocklisted(imei: String) async throws -> Bool {
        try blocklist.contains(imei: imei)
    }

    // MARK: - Changes

    public func void(_ number: CertificateNumber, reason: String, consultant: String, at time: Date) async throws
        -> Certificate
    {
        let reason = try ChangeInput.requireReason(reason, for: "void")
        try ChangeInput.requirePlain(consultant, field: "consultant's name")
        return try await change(number) { certificate, db in
            if let refusal = certificate.refusalToVoid() { throw StoreError.refused(refusal) }
            try db.execute(
                sql: "UPDATE certificate SET status = 'voided', void_reason = ? WHERE number = ?",
                arguments: [reason, number.rawValue])
            try Self.append(
                AuditEvent(
                    event: "certificate.voided", consultant: consultant, certificate: number,
                    deviceKey: certificate.content.deviceKey, reason: reason, time: time), db)
        }
    }

    public func redeem(
        _ number: CertificateNumber, split: Redemption.Split, on day: CivilDate, consultant: String, at time: Date
    ) async throws -> Certificate {
        try ChangeInput.requirePlain(consultant, field: "consultant's name")
        return try await change(number) { certificate, db in
            if let refusal = certificate.refusalToRedeem(split, on: day) { throw StoreError.refused(refusal) }
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
        let reason = try ChangeInput.requireReason(reason, for: "reprint")
        return try await recordPrint(number, event: "certificate.reprinted", reason: reason, consultant: consultant, at: time)
    }

    /// Counts a print that reached the printer (issued → printed on the first) and audits it.
    private func recordPrint(
        _ number: CertificateNumber, event: String, reason: String?, consultant: String, at time: Date
    ) async throws -> Certificate {
        try ChangeInput.requirePlain(consultant, field: "consultant's name")
        return try await change(number) { certificate, db in
            if let refusal = certificate.refusalToPrint() { throw StoreError.refused(refusal) }
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

    /// Runs `body` on the current row in one write transaction and returns the row as it is afterwards. A row that
    /// no longer matches its signature is never changed (``StoreError/altered(_:)``).
    private func change(
        _ number: CertificateNumber, _ body: @escaping @Sendable (Certificate, Database) throws -> Void
    ) async throws -> Certificate {
        try await guarded { try await pool.write { db in
            guard let certificate = try self.fetch(number.rawValue, db) else { throw StoreError.notFound(number) }
            try body(certificate, db)
            guard let updated = try self.fetch(number.rawValue, db) else { throw StoreError.notFound(number) }
            return updated
        } }
    }

    // MARK: - Audit

    public func record(_ event: AuditEvent) async throws {
        try await guarded { try await pool.write { db in try Self.append(event, db) } }
    }

    public func audit(for number: CertificateNumber?, limit: Int?) async throws -> [AuditEntry] {
        try await guarded { try await pool.read { db in
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
        } }
    }

    static func append(_ event: AuditEvent, _ db: Database) throws {
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

    /// The certificate `number`, checked against its signature.
    private func fetch(_ number: String, _ db: Database) throws -> Certificate? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM certificate WHERE number = ?", arguments: [number])
        else { return nil }
        let keys = try String.fetchAll(
            db, sql: "SELECT device_key FROM certificate_device WHERE number = ? ORDER BY device_key", arguments: [number])
        return try sound(Self.decode(row, deviceKeys: keys))
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
            voidReason: String.fromDatabaseValue(row["void_reason"] as DatabaseValue), redemption: redemption,
            holderDocument: row.hasColumn("holder_document")
                ? String.fromDatabaseValue(row["holder_document"] as DatabaseValue).flatMap(DocumentNumber.init) : nil)
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
