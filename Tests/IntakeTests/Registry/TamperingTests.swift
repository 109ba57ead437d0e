// SPDX-License-Identifier: Apache-2.0
import Foundation
import GRDB
import Grading
import IntakeStore
import Testing

/// A registry changed behind the agent's back, with the `sqlite3` shell a person at the bench would use: the
/// guards refuse what they can, and whatever gets past them (the triggers dropped first) is reported as altered,
/// never shown, printed or redeemed as sound.
@Suite(.serialized)
struct TamperingTests {
    let bench: BenchCLI

    init() throws {
        bench = try BenchCLI()
    }

    var registryPath: String { bench.directory.path(SQLiteRegistry.fileName) }

    /// Runs SQL with the `sqlite3` shell on the registry file; its exit status and stderr.
    func sqlite3(_ sql: String) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-bail", registryPath, sql]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func issued() async throws -> String {
        let run = try await bench.issue()
        #expect(run.status == 0, "\(run.stderr)")
        return try BenchCLI.number(run)
    }

    /// `INSERT OR REPLACE` of the certificate with a higher amount, from a copy of its own row.
    func replaceAmountSQL(_ number: String, amount: Int) -> String {
        """
        CREATE TEMP TABLE copy AS SELECT * FROM certificate WHERE number = '\(number)';
        UPDATE copy SET amount_kzt = \(amount);
        INSERT OR REPLACE INTO certificate SELECT * FROM copy;
        """
    }

    /// Every trigger of the registry, so the next statement meets only SQLite itself.
    func dropAllTriggersSQL() throws -> String {
        let names = try DatabaseQueue(path: registryPath).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        #expect(names.count >= 20)
        return names.map { "DROP TRIGGER \($0);" }.joined(separator: "\n")
    }

    func expectAltered(_ number: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let slip = bench.directory.path("slip-\(UUID().uuidString).txt")
        for arguments in [
            ["certificate", "show", number], ["certificate", "show", number, "--json"], ["certificate", "verify", number],
            ["print", number], ["print", number, "--output", slip],
            ["certificate", "redeem", number, "--price", "600000", "--min-prepayment", "60000", "--max-prepayment",
             "300000", "--months", "12"],
            ["certificate", "void", number, "--reason", "test"], ["certificate", "list"],
        ] {
            let run = try await bench.run(arguments)
            run.refuses("Certificate \(number) is ALTERED", sourceLocation: sourceLocation)
            #expect(run.stdout.isEmpty, "\(arguments): \(run.stdout)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: slip), sourceLocation: sourceLocation)
    }

    // MARK: - The guards

    @Test func insertOrReplaceOfACertificateIsRefusedByTheRegistry() async throws {
        let number = try await issued()
        let replaced = try sqlite3(replaceAmountSQL(number, amount: 999_000))
        #expect(replaced.status != 0)
        // Whichever of the insert guards SQLite runs first refuses it.
        #expect(replaced.stderr.contains("never replaced") || replaced.stderr.contains("one live certificate"), "\(replaced.stderr)")
        let shown = try await bench.run(["certificate", "show", number, "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(try (BenchCLI.object(shown)["certificate"] as? [String: Any])?["amount_kzt"] as? Int == 141_000)
    }

    @Test(arguments: [
        ("INSERT OR REPLACE INTO certificate_device (number, device_key, live) SELECT number, device_key, 0 FROM certificate_device", "recorded once|live certificate"),
        ("INSERT OR REPLACE INTO certificate_device (number, device_key, live) SELECT number, device_key, 1 FROM certificate_device", "recorded once|one live certificate"),
        ("UPDATE certificate_device SET live = 0", "freed only by voiding"),
        ("UPDATE certificate_device SET device_key = 'imei:352094117788981'", "never change"),
        ("INSERT OR REPLACE INTO audit (id, time, event, consultant) VALUES (1, '2026-01-01T00:00:00.000Z', 'nothing', 'x')", "append-only"),
        ("INSERT INTO certificate_device (number, device_key, live) SELECT number, 'imei:352094117788981', 0 FROM certificate", "live certificate"),
        ("INSERT OR REPLACE INTO number_sequence (scope, next) SELECT scope, 0 FROM number_sequence", "never reused"),
        ("DELETE FROM number_sequence", "never reused"),
        ("INSERT OR REPLACE INTO device_link (device_key, linked_key) VALUES ('a', 'b'), ('a', 'b')", "recorded once"),
    ])
    func theOtherTablesRefuseReplacementsToo(_ sql: String, _ sentence: String) async throws {
        let number = try await issued()
        let result = try sqlite3(sql)
        #expect(result.status != 0, "\(sql)")
        #expect(sentence.split(separator: "|").contains { result.stderr.contains($0) }, "\(result.stderr)")
        // The device is still spoken for and the certificate still sound.
        try await bench.issue().refuses("already has a certificate (\(number)")
        #expect(try await bench.run(["certificate", "verify", number]).status == 0)
    }

    // MARK: - Past the guards: the signature

    @Test func aRowReplacedWithTheTriggersDroppedIsReportedAlteredEverywhere() async throws {
        let number = try await issued()
        let result = try sqlite3(try dropAllTriggersSQL() + "\n" + replaceAmountSQL(number, amount: 999_000))
        #expect(result.status == 0, "\(result.stderr)")
        try await expectAltered(number)
    }

    @Test(arguments: [
        "UPDATE certificate SET holder_name = 'Someone Else'",
        "UPDATE certificate SET holder_iin_masked = '88010130****'",
        "UPDATE certificate SET amount_kzt = 1",
        "UPDATE certificate SET expires_on = '2099-01-01'",
        "UPDATE certificate SET grade = 'ok/A'",
    ])
    func anyChangedSignedFieldIsReportedAltered(_ sql: String) async throws {
        let number = try await issued()
        let result = try sqlite3(try dropAllTriggersSQL() + "\n" + sql)
        #expect(result.status == 0, "\(result.stderr)")
        try await expectAltered(number)
    }

    /// A certificate signed by another bench's key, copied into this registry with the `sqlite3` shell (a new
    /// number passes the insert guards): this station does not trust that key, so the row is not sound here.
    @Test func aCertificateFromAnotherStationsKeyInsertedByHandIsNotSound() async throws {
        let mine = try await issued()
        let other = try BenchCLI()
        let foreign = try await other.issue(imei: ["352094117788981"])
        #expect(foreign.status == 0, "\(foreign.stderr)")
        let number = try BenchCLI.number(foreign)
        #expect(number != mine)
        let result = try sqlite3("""
            ATTACH '\(other.directory.path(SQLiteRegistry.fileName))' AS other;
            INSERT INTO certificate SELECT * FROM other.certificate;
            INSERT INTO certificate_device SELECT * FROM other.certificate_device;
            """)
        #expect(result.status == 0, "\(result.stderr)")
        try await expectAltered(number)
        // The station's own certificate is still sound on its own.
        #expect(try await bench.run(["certificate", "verify", mine]).status == 0)
    }

    /// In-process too: a NUL in the holder's name is refused before anything is stored (it used to cut the stored
    /// name short, and the certificate then read as forged).
    @Test func aNULInTheHoldersNameIsRefusedBeforeAnythingIsStored() async throws {
        let station = try Station(dataDirectory: bench.dataDir)
        await #expect {
            try await station.issuer.issue(
                Fixtures.request(holderName: "Иванова\u{0}Әлия"), consultant: "aigerim", at: Fixtures.fixedTime)
        } throws: { error in
            "\(error)".contains("holder's name holds a control character (U+0000)")
        }
        #expect(try station.registry.certificateCount() == 0)
    }
}
