// SPDX-License-Identifier: Apache-2.0
public import Foundation
import GRDB

/// A consultant who works the bench: who acted, for every certificate and audit record.
public struct Consultant: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// `ru`, `kk` or `en`: the console's language for this consultant.
    public var language: String
    public var disabled: Bool
    public var createdAt: Date
    /// Set while five wrong PINs in a row keep the consultant out.
    public var lockedUntil: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, language, disabled, createdAt = "created_at", lockedUntil = "locked_until"
    }
}

/// What a login checks: the stored hash and the lock.
public struct ConsultantCredentials: Sendable {
    public var consultant: Consultant
    public var pinHash: String
    public var failedLogins: Int
}

/// The bench's consultants, kept in the registry.
public protocol ConsultantDirectory: Sendable {
    /// Adds a consultant with an already hashed PIN; refused when the id exists.
    func addConsultant(id: String, name: String, pinHash: String, language: String, at time: Date) async throws -> Consultant
    func consultants() async throws -> [Consultant]
    func credentials(_ id: String) async throws -> ConsultantCredentials?
    /// Disables a consultant for good (the id is never reused).
    func disableConsultant(_ id: String, by actor: String, at time: Date) async throws
    /// Counts a wrong PIN; the `lockAfter`-th in a row locks the consultant for `lockFor`. Returns the lock's end
    /// when this failure set one.
    func recordFailedLogin(_ id: String, at time: Date, lockAfter: Int, lockFor: TimeInterval) async throws -> Date?
    /// A right PIN: the count of failures starts again.
    func recordLogin(_ id: String, at time: Date) async throws
    func setLanguage(_ id: String, _ language: String) async throws
}

extension SQLiteRegistry: ConsultantDirectory {
    public static let languages = ["ru", "kk", "en"]

    public func addConsultant(id: String, name: String, pinHash: String, language: String, at time: Date) async throws -> Consultant {
        try Self.checkConsultant(id: id, name: name, language: language)
        let consultant = Consultant(id: id, name: name, language: language, disabled: false, createdAt: time, lockedUntil: nil)
        try await pool.write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM consultant WHERE id = ?", arguments: [id]) != nil {
                throw StoreError.refused("A consultant with the id \(id) already exists: choose another id (a disabled id is never reused).")
            }
            try db.execute(
                sql: "INSERT INTO consultant (id, name, pin_hash, language, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, name, pinHash, language, Timestamp.format(time)])
            try db.execute(
                sql: "INSERT INTO audit (event, consultant, detail, time) VALUES ('consultant.added', ?, ?, ?)",
                arguments: [id, "consultant \(id) (\(name)) added", Timestamp.format(time)])
        }
        return consultant
    }

    public func consultants() async throws -> [Consultant] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM consultant ORDER BY id").map(Self.consultant)
        }
    }

    public func credentials(_ id: String) async throws -> ConsultantCredentials? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM consultant WHERE id = ?", arguments: [id]) else { return nil }
            return ConsultantCredentials(consultant: try Self.consultant(row), pinHash: row["pin_hash"], failedLogins: row["failed_logins"])
        }
    }

    public func disableConsultant(_ id: String, by actor: String, at time: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE consultant SET disabled = 1 WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else {
                throw StoreError.refused("No consultant has the id \(id): `intake-agent consultant list` shows them.")
            }
            try db.execute(
                sql: "INSERT INTO audit (event, consultant, detail, time) VALUES ('consultant.disabled', ?, ?, ?)",
                arguments: [actor, "consultant \(id) disabled", Timestamp.format(time)])
        }
    }

    public func recordFailedLogin(_ id: String, at time: Date, lockAfter: Int, lockFor: TimeInterval) async throws -> Date? {
        try await pool.write { db in
            guard let failures = try Int.fetchOne(db, sql: "SELECT failed_logins FROM consultant WHERE id = ?", arguments: [id])
            else { return nil }
            let count = failures + 1
            let lockedUntil = count >= lockAfter ? time.addingTimeInterval(lockFor) : nil
            try db.execute(
                sql: "UPDATE consultant SET failed_logins = ?, locked_until = ? WHERE id = ?",
                arguments: [lockedUntil == nil ? count : 0, lockedUntil.map(Timestamp.format), id])
            if lockedUntil != nil {
                try db.execute(
                    sql: "INSERT INTO audit (event, consultant, detail, time) VALUES ('consultant.locked', ?, ?, ?)",
                    arguments: [id, "\(count) wrong PINs in a row: locked for \(Int(lockFor / 60)) minutes", Timestamp.format(time)])
            }
            return lockedUntil
        }
    }

    public func recordLogin(_ id: String, at time: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE consultant SET failed_logins = 0, locked_until = NULL WHERE id = ?", arguments: [id])
        }
    }

    public func setLanguage(_ id: String, _ language: String) async throws {
        guard Self.languages.contains(language) else {
            throw StoreError.invalid("The console speaks ru, kk or en, not \(language).")
        }
        try await pool.write { db in
            try db.execute(sql: "UPDATE consultant SET language = ? WHERE id = ?", arguments: [language, id])
        }
    }

    static func checkConsultant(id: String, name: String, language: String) throws {
        guard (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw StoreError.invalid("A consultant id is 1 to 32 letters, digits, dots, dashes or underscores, such as C1 or a.nurlanova.")
        }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, name.count <= 200, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw StoreError.invalid("A consultant's name is 1 to 200 characters with no control characters.")
        }
        guard languages.contains(language) else { throw StoreError.invalid("The console speaks ru, kk or en, not \(language).") }
    }

    private static func consultant(_ row: Row) throws -> Consultant {
        let created: String = row["created_at"]
        let locked: String? = row["locked_until"]
        return Consultant(
            id: row["id"], name: row["name"], language: row["language"], disabled: (row["disabled"] as Int) == 1,
            createdAt: Timestamp.parse(created) ?? Date(timeIntervalSince1970: 0), lockedUntil: locked.flatMap(Timestamp.parse))
    }
}
