// SPDX-License-Identifier: Apache-2.0
import Foundation
import GRDB
import Grading
import IntakeStore
import Testing

/// The embedded registry through real SQLite in temporary directories.
struct SQLiteRegistryTests {
    let directory: TemporaryDirectory
    let station: Station

    init() throws {
        directory = try TemporaryDirectory()
        station = try Station(dataDirectory: directory.url)
    }

    private func issue(_ request: IssueRequest = Fixtures.request()) async throws -> Certificate {
        try await station.issuer.issue(request, consultant: "aigerim", at: Fixtures.fixedTime)
    }

    /// A second connection straight to the file, as a person with sqlite3 would have.
    private func rawDatabase() throws -> DatabaseQueue {
        try DatabaseQueue(path: directory.path(SQLiteRegistry.fileName))
    }

    // MARK: - Durability settings

    @Test func opensInWALWithFullSyncAndNamedMigrations() throws {
        #expect(try station.registry.synchronousMode() == 2)
        #expect(try station.registry.integrityCheck() == "ok")
        let (mode, migrations) = try rawDatabase().read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        }
        #expect(mode == "wal")
        #expect(migrations == [
            "2026-11-v1 certificates, device keys, audit log, number sequences",
            "2026-12-v2 guards on inserts, device links",
            "2026-12-v3 the holder's document number",
            "2026-12-v4 consultants",
            "2026-12-v5 erasure records",
            "2026-12-v6 the station's outbox to the chain registry",
        ])
    }

    @Test func refusesADatabaseFromANewerBuild() throws {
        try rawDatabase().write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('2099-01-v9 from the future')")
        }
        #expect(throws: StoreError.self) { try SQLiteRegistry(dataDirectory: directory.url) }
        do {
            _ = try SQLiteRegistry(dataDirectory: directory.url)
        } catch let error as StoreError {
            guard case .newerDatabase(let sentence) = error else {
                Issue.record("expected newerDatabase, got \(error)")
                return
            }
            #expect(sentence.contains("newer intake-agent"))
        }
    }

    @Test func aDamagedFileGivesOneSentence() throws {
        let other = try TemporaryDirectory()
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: other.path(SQLiteRegistry.fileName)))
        do {
            _ = try SQLiteRegistry(dataDirectory: other.url)
            Issue.record("a file of garbage opened as a registry")
        } catch let error as StoreError {
            #expect(error.description.contains("damaged or not a registry"))
        }
    }

    // MARK: - Issuance

    @Test func issuesAndReadsBackASignedCertificate() async throws {
        let certificate = try await issue()
        #expect(certificate.status == .issued)
        #expect(certificate.content.expiresOn == CivilDate(year: 2027, month: 11, day: 23))
        #expect(certificate.content.holderIINMasked == "90010130****")
        #expect(certificate.content.keyID == station.key.keyID)
        let stored = try #require(try await station.registry.certificate(certificate.number))
        #expect(stored == certificate)
        #expect(stored.verify(with: try station.keyRing()))
        let audit = try await station.registry.audit(for: certificate.number, limit: nil)
        #expect(audit.map(\.event) == ["certificate.issued"])
        #expect(audit.first?.consultant == "aigerim")
    }

    @Test func numbersFollowTheStationSequence() async throws {
        let first = try await issue(Fixtures.request(device: 1))
        let second = try await issue(Fixtures.request(device: 2))
        let code = StationCode(keyID: station.key.keyID).rawValue
        #expect(first.number.rawValue.hasPrefix("ALA-2611-\(code)2222-"))
        #expect(second.number.rawValue.hasPrefix("ALA-2611-\(code)2223-"))
    }

    struct RefusalCase: CustomTestStringConvertible, Sendable {
        let name: String
        let request: IssueRequest
        let sentence: String
        var testDescription: String { name }
    }

    static let refusals: [RefusalCase] = [
        RefusalCase(name: "bad IIN", request: Fixtures.request(iin: "900101300008"), sentence: "control"),
        RefusalCase(
            name: "holder of 20", request: Fixtures.request(iin: "061211600012", birthDate: CivilDate(year: 2006, month: 12, day: 11)!),
            sentence: "21"),
        RefusalCase(
            name: "holder of 69", request: Fixtures.request(iin: "570101300006", birthDate: CivilDate(year: 1957, month: 1, day: 1)!),
            sentence: "68"),
        RefusalCase(
            name: "Apple at Dostyk Plaza", request: Fixtures.request(store: Fixtures.dostykPlaza),
            sentence: "takes no Apple products"),
    ]

    @Test(arguments: refusals)
    func refusesWithOneSentence(_ refusal: RefusalCase) async throws {
        do {
            _ = try await issue(refusal.request)
            Issue.record("\(refusal.name) was issued")
        } catch let error as StoreError {
            guard case .refused(let sentence) = error else {
                Issue.record("expected a refusal, got \(error)")
                return
            }
            #expect(sentence.contains(refusal.sentence), "\(sentence)")
            #expect(!sentence.contains("900101300007"))
        }
        let entries = try await station.registry.audit(for: nil, limit: nil)
        #expect(entries.map(\.event) == ["certificate.refused"])
        #expect(try await station.registry.list(CertificateFilter()).isEmpty)
    }

    @Test func refusesASecondCertificateForTheSameDevice() async throws {
        let first = try await issue(Fixtures.request(imeis: [Fixtures.imei(7), Fixtures.imei(8)]))
        // The same phone read by its other SIM slot's IMEI only.
        for imeis in [[Fixtures.imei(7)], [Fixtures.imei(8)], [Fixtures.imei(8), Fixtures.imei(9)]] {
            await #expect(throws: StoreError.self) { try await issue(Fixtures.request(imeis: imeis)) }
        }
        let live = try await station.registry.liveCertificate(forAnyOf: [.imei(Fixtures.imei(8))])
        #expect(live?.number == first.number)
        #expect(try await station.registry.list(CertificateFilter()).count == 1)
    }

    @Test func theDatabaseRefusesASecondLiveCertificateEvenWhenCodeIsBypassed() async throws {
        let certificate = try await issue()
        let database = try rawDatabase()
        // A copy of the row under another number, as a buggy or hostile writer would insert it.
        #expect(throws: DatabaseError.self) {
            try database.write { db in
                try db.execute(sql: """
                    INSERT INTO certificate SELECT 'ALA-2611-ZZ2222-A', 'issued', store_id, issued_on, expires_on,
                        amount_kzt, holder_name, holder_iin_masked, holder_commitment, holder_iin, holder_salt,
                        device_key, device_serial, model_identifier, model_name, grade, rule_set, key_id, signature,
                        consultant, created_at, 0, NULL, NULL
                    FROM certificate WHERE number = ?
                    """, arguments: [certificate.number.rawValue])
            }
        }
        #expect(throws: DatabaseError.self) {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO certificate_device (number, device_key, live) VALUES ('ALA-2611-ZZ2222-A', ?, 1)",
                    arguments: [certificate.content.deviceKey.rawValue])
            }
        }
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM certificate") } == 1)
    }

    @Test func signedFieldsAndTheAuditLogCannotBeChangedInTheDatabase() async throws {
        let certificate = try await issue()
        let database = try rawDatabase()
        for sql in [
            "UPDATE certificate SET amount_kzt = 999999",
            "UPDATE certificate SET holder_iin = '851231450018'",
            "DELETE FROM certificate",
            "UPDATE audit SET consultant = 'someone else'",
            "DELETE FROM audit",
            "UPDATE certificate SET status = 'issued' WHERE status = 'voided'",
        ] {
            if sql.contains("'voided'") {
                _ = try await station.registry.void(certificate.number, reason: "test", consultant: "a", at: Fixtures.fixedTime)
                #expect(throws: DatabaseError.self, "\(sql)") {
                    try database.write { try $0.execute(sql: "UPDATE certificate SET status = 'issued'") }
                }
            } else {
                #expect(throws: DatabaseError.self, "\(sql)") { try database.write { try $0.execute(sql: sql) } }
            }
        }
    }

    // MARK: - Life of a certificate

    @Test func voidingFreesTheDeviceAndNeedsAReason() async throws {
        let first = try await issue()
        await #expect(throws: StoreError.self) {
            try await station.registry.void(first.number, reason: "  ", consultant: "a", at: Fixtures.fixedTime)
        }
        let voided = try await station.registry.void(first.number, reason: "customer changed their mind", consultant: "lead", at: Fixtures.fixedTime)
        #expect(voided.status == .voided)
        #expect(voided.voidReason == "customer changed their mind")
        let second = try await issue()
        #expect(second.number != first.number)
        await #expect(throws: StoreError.self) {
            try await station.registry.void(first.number, reason: "again", consultant: "a", at: Fixtures.fixedTime)
        }
        let audit = try await station.registry.audit(for: first.number, limit: nil)
        #expect(audit.map(\.event) == ["certificate.issued", "certificate.voided"])
        #expect(audit.last?.reason == "customer changed their mind")
        #expect(audit.last?.consultant == "lead")
    }

    private func split(_ certificate: Certificate) throws -> Redemption.Split {
        let contract = Redemption.Contract(
            price: Tenge(600_000), minimumPrepayment: Tenge(60_000), maximumPrepayment: Tenge(300_000), months: 12)
        return try Redemption.split(certificate: certificate.content.amount, contract: contract).get()
    }

    @Test func redeemsOnceAndARedeemedDeviceStaysTaken() async throws {
        let certificate = try await issue()
        let redeemed = try await station.registry.redeem(
            certificate.number, split: try split(certificate), on: Fixtures.today.adding(days: 30), consultant: "b",
            at: Fixtures.fixedTime)
        #expect(redeemed.status == .redeemed)
        #expect(redeemed.redemption == (try split(certificate)))
        await #expect(throws: StoreError.self) {
            try await station.registry.redeem(
                certificate.number, split: try split(certificate), on: Fixtures.today, consultant: "b", at: Fixtures.fixedTime)
        }
        await #expect(throws: StoreError.self) { try await issue() }
        await #expect(throws: StoreError.self) {
            try await station.registry.void(certificate.number, reason: "late", consultant: "b", at: Fixtures.fixedTime)
        }
    }

    struct SpendCase: Sendable, CustomTestStringConvertible {
        let name: String
        let voidFirst: Bool
        let day: CivilDate
        let sentence: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        SpendCase(name: "expired", voidFirst: false, day: CivilDate(year: 2027, month: 11, day: 24)!, sentence: "expired"),
        SpendCase(name: "voided", voidFirst: true, day: CivilDate(year: 2026, month: 12, day: 1)!, sentence: "voided"),
    ])
    func refusesToSpend(_ spend: SpendCase) async throws {
        let certificate = try await issue()
        if spend.voidFirst {
            _ = try await station.registry.void(certificate.number, reason: "test", consultant: "a", at: Fixtures.fixedTime)
        }
        do {
            _ = try await station.registry.redeem(
                certificate.number, split: try split(certificate), on: spend.day, consultant: "b", at: Fixtures.fixedTime)
            Issue.record("a \(spend.name) certificate was spent")
        } catch let error as StoreError {
            #expect(error.description.contains(spend.sentence), "\(error)")
        }
    }

    @Test func theLastValidDayStillSpends() async throws {
        let certificate = try await issue()
        let redeemed = try await station.registry.redeem(
            certificate.number, split: try split(certificate), on: CivilDate(year: 2027, month: 11, day: 23)!,
            consultant: "b", at: Fixtures.fixedTime)
        #expect(redeemed.status == .redeemed)
    }

    @Test func printsAndReprintsAreCountedAndAudited() async throws {
        let certificate = try await issue()
        let printed = try await station.registry.markPrinted(certificate.number, consultant: "a", at: Fixtures.fixedTime)
        #expect(printed.status == .printed)
        #expect(printed.printCount == 1)
        await #expect(throws: StoreError.self) {
            try await station.registry.recordReprint(certificate.number, reason: "", consultant: "a", at: Fixtures.fixedTime)
        }
        let reprinted = try await station.registry.recordReprint(
            certificate.number, reason: "paper jam", consultant: "a", at: Fixtures.fixedTime)
        #expect(reprinted.printCount == 2)
        let audit = try await station.registry.audit(for: certificate.number, limit: nil)
        #expect(audit.map(\.event) == ["certificate.issued", "certificate.printed", "certificate.reprinted"])
        #expect(audit.last?.reason == "paper jam")
    }

    @Test func sessionEventsGoToTheAuditLog() async throws {
        try await station.registry.record(
            AuditEvent(event: "session.detected", consultant: "a", deviceKey: .imei(Fixtures.imei(3)), detail: "iPhone12,1", time: Fixtures.fixedTime))
        let entries = try await station.registry.audit(for: nil, limit: nil)
        #expect(entries.count == 1)
        #expect(entries.first?.event == "session.detected")
        #expect(entries.first?.time == Fixtures.fixedTime)
    }

    @Test func theFullIINIsStoredOnlyInTheCertificateRow() async throws {
        let certificate = try await issue()
        _ = try await station.registry.void(certificate.number, reason: "test", consultant: "a", at: Fixtures.fixedTime)
        _ = try await issue()
        let database = try rawDatabase()
        let hits = try await database.read { db -> [String] in
            var hits: [String] = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table)") {
                    for (column, value) in row where "\(value)".contains(Fixtures.holderIIN(1)) {
                        hits.append("\(table).\(column)")
                    }
                }
            }
            return hits
        }
        #expect(hits == ["certificate.holder_iin", "certificate.holder_iin"])
        let listed = try await station.registry.list(CertificateFilter())
        let json = String(decoding: try JSONEncoder().encode(listed.map(\.summary)), as: UTF8.self)
        #expect(!json.contains("900101300007"))
        #expect(json.contains("90010130****"))
    }

    // MARK: - Blocklist

    @Test func aBlocklistedIMEIIsRefusedAndEditsApplyWithoutRestart() async throws {
        let file = URL(fileURLWithPath: directory.path(Blocklist.fileName))
        try "# stolen, police report 12/2026\n\(Fixtures.imei(5))   # second one\n\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try await station.registry.isBlocklisted(imei: Fixtures.imei(5)))
        await #expect(throws: StoreError.self) { try await issue(Fixtures.request(device: 5)) }
        _ = try await issue(Fixtures.request(device: 6))
        try "\(Fixtures.imei(6))\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try await station.registry.isBlocklisted(imei: Fixtures.imei(5)) == false)
        #expect(try await station.registry.isBlocklisted(imei: Fixtures.imei(6)))
        try "not an imei\n".write(to: file, atomically: true, encoding: .utf8)
        await #expect(throws: StoreError.self) { try await station.registry.isBlocklisted(imei: Fixtures.imei(6)) }
    }
}
