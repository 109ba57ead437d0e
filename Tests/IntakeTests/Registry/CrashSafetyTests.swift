// SPDX-License-Identifier: Apache-2.0
import Foundation
import GRDB
import Glibc
import IntakeStore
import Testing

/// The built `intake-agent` issuing in a loop is killed with SIGKILL at random moments, 50 times, against one
/// registry; after every kill the registry must open, pass `PRAGMA integrity_check`, hold each device at most once,
/// and hold no half-written certificate, and every certificate the child reported as issued must be there.
struct CrashSafetyTests {
    @Test func sigkillDuringIssuanceNeverLeavesAHalfWrittenOrDuplicateCertificate() async throws {
        let binary = try AgentBinary.url()
        let directory = try TemporaryDirectory()
        var reported: Set<String> = []
        var verified: Set<String> = []
        var killedWithCertificates = 0
        for round in 0..<50 {
            let log = directory.path("child-\(round).out")
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let child = Process()
            child.executableURL = binary
            child.arguments = [
                "certificate", "issue-loop", "--data-dir", directory.url.path, "--devices", "3000",
                "--device-prefix", "424242",
            ]
            child.standardOutput = output
            child.standardError = FileHandle.nullDevice
            try child.run()
            // One round in five is killed early, anywhere from right after exec (opening, migrating, creating the
            // key); the others once the child has issued its first certificate, at a random moment inside the
            // issuing loop. Waiting for that line, not for a fixed time, keeps the kills inside issuance however
            // slow a loaded CI machine starts the child.
            if round % 5 != 0 { try await waitForFirstIssue(log: log, child: child) }
            try await Task.sleep(for: .milliseconds(Int.random(in: round % 5 == 0 ? 5...300 : 0...120)))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            try output.close()
            #expect(child.terminationReason == .uncaughtSignal, "round \(round): the child ended by itself")

            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            let issued = lines.filter { $0.hasPrefix("issued ") }.map { String($0.split(separator: " ")[1]) }
            if !issued.isEmpty { killedWithCertificates += 1 }
            reported.formUnion(issued)
            try await checkRegistry(directory, mustContain: reported, verified: &verified, round: round)
        }
        // The kills landed while certificates were being issued, not only before the loop started.
        #expect(killedWithCertificates >= 40)
        #expect(reported.count >= 40)
    }

    /// Waits until the child reports its first issued certificate (or gives up after 60 s, or when it exits).
    private func waitForFirstIssue(log: String, child: Process) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, child.isRunning {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("issued ") { return }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    private func checkRegistry(
        _ directory: TemporaryDirectory, mustContain reported: Set<String>, verified: inout Set<String>, round: Int
    ) async throws {
        // Before the first run got as far as creating the key there is nothing to check but that it opens.
        let station = try Station(dataDirectory: directory.url)
        #expect(try station.registry.integrityCheck() == "ok", "round \(round)")
        let ring = try station.keyRing()
        let database = try DatabaseQueue(path: directory.path(SQLiteRegistry.fileName))
        defer { try? database.close() }
        try await database.read { db in
            let duplicates = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM (SELECT device_key FROM certificate WHERE status <> 'voided'
                                      GROUP BY device_key HAVING count(*) > 1)
                """)
            #expect(duplicates == 0, "round \(round)")
            let liveKeyDuplicates = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM (SELECT device_key FROM certificate_device WHERE live = 1
                                      GROUP BY device_key HAVING count(*) > 1)
                """)
            #expect(liveKeyDuplicates == 0, "round \(round)")
            // Every certificate has its device key row and its audit entry: nothing half-written.
            let orphans = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM certificate c
                WHERE NOT EXISTS (SELECT 1 FROM certificate_device d WHERE d.number = c.number AND d.device_key = c.device_key)
                   OR NOT EXISTS (SELECT 1 FROM audit a WHERE a.certificate = c.number AND a.event = 'certificate.issued')
                """)
            #expect(orphans == 0, "round \(round)")
            let strayKeys = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM certificate_device d WHERE NOT EXISTS (SELECT 1 FROM certificate c WHERE c.number = d.number)
                """)
            #expect(strayKeys == 0, "round \(round)")
        }
        let all = try await station.registry.list(CertificateFilter())
        let numbers = Set(all.map(\.number.rawValue))
        #expect(reported.isSubset(of: numbers), "round \(round): a certificate reported issued is missing")
        // Rows never change once written (the schema forbids it), so each is checked against its signature once.
        let fresh = all.filter { !verified.contains($0.number.rawValue) }
        let unverified = fresh.filter { !$0.verify(with: ring) }.map(\.number.rawValue)
        #expect(unverified.isEmpty, "round \(round): \(unverified)")
        verified.formUnion(fresh.map(\.number.rawValue))
    }
}
