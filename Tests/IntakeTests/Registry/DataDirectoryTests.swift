// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Foundation
import IntakeStore
import Testing

/// The data directory on disk: private modes, the station key never silently replaced, the ADB key's mode
/// checked, several processes opening a new directory at once, times in JSON as ISO 8601, and no library's raw
/// error text for a user.
@Suite(.serialized)
struct DataDirectoryTests {
    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int) & 0o777
    }

    @Test func theDataDirectoryIs0700AndItsFiles0600() async throws {
        let parent = try TemporaryDirectory()
        let bench = try BenchCLI(parent)
        let nested = parent.url.appendingPathComponent("var/lib/intake-agent")
        let run = try await AgentBinary.run([
            "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--imei", "352094117788999",
            "--amount", "141000", "--grade", "ok/B", "--holder-name", "Иванова Әлия", "--iin", "900101300007",
            "--birth-date", "1990-01-01", "--data-dir", nested.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        _ = bench
        #expect(try mode(nested.path) == 0o700)
        for name in [SQLiteRegistry.fileName, StationKey.fileName, SQLiteRegistry.fileName + ".lock"] {
            #expect(try mode(nested.appendingPathComponent(name).path) == 0o600, "\(name)")
        }
        for name in [SQLiteRegistry.fileName + "-wal", SQLiteRegistry.fileName + "-shm"]
        where FileManager.default.fileExists(atPath: nested.appendingPathComponent(name).path) {
            #expect(try mode(nested.appendingPathComponent(name).path) == 0o600, "\(name)")
        }
    }

    @Test func aRegistryMadeReadableByOthersIsNarrowedTo0600() async throws {
        let bench = try BenchCLI()
        #expect(try await bench.issue().status == 0)
        let path = bench.directory.path(SQLiteRegistry.fileName)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(try await bench.run(["certificate", "list"]).status == 0)
        #expect(try mode(path) == 0o600)
    }

    @Test func aMissingStationKeyWithCertificatesIsAnErrorNamingTheFile() async throws {
        let bench = try BenchCLI()
        let number = try BenchCLI.number(try await bench.issue())
        let keyPath = bench.directory.path(StationKey.fileName)
        try FileManager.default.removeItem(atPath: keyPath)
        for arguments in [
            ["certificate", "show", number], ["certificate", "list"], ["certificate", "key"],
            ["certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--imei", "352094117788981",
             "--amount", "141000", "--grade", "ok/B", "--holder-name", "Иванова Әлия", "--iin", "900101300007",
             "--birth-date", "1990-01-01"],
        ] {
            let run = try await bench.run(arguments)
            run.refuses("The station key \(keyPath) is missing, but the registry holds 1 certificate it signed: restore that file from the backup")
        }
        #expect(!FileManager.default.fileExists(atPath: keyPath), "a new key was made in its place")
        // An empty registry still gets its first key.
        let fresh = try BenchCLI()
        #expect(try await fresh.run(["certificate", "key"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: fresh.directory.path(StationKey.fileName)))
    }

    @Test func theADBKeyIsRefusedWhenOthersCanReadIt() throws {
        let directory = try TemporaryDirectory()
        let first = try ADBKey.loadOrCreate(in: directory.url, comment: "test@bench")
        let path = directory.path("adbkey")
        #expect(try mode(path) == 0o600)
        #expect(try ADBKey.loadOrCreate(in: directory.url, comment: "test@bench").publicKeyText == first.publicKeyText)
        for wide in [0o644, 0o640, 0o604] {
            try FileManager.default.setAttributes([.posixPermissions: wide], ofItemAtPath: path)
            #expect {
                try ADBKey.loadOrCreate(in: directory.url, comment: "test@bench")
            } throws: { error in
                "\(error)".contains("is readable by others") && "\(error)".contains("chmod 600 \(path)")
            }
        }
    }

    /// Sixteen processes open one new data directory at the same moment (twelve list, four issue), six times
    /// over: every one succeeds, the schema, the station key and the numbers made once. Without the lock around
    /// creating the schema, about one run in twelve failed ("table certificate already exists").
    @Test func concurrentFirstOpensOfANewDataDirectoryNeverFail() async throws {
        for _ in 0..<6 {
            let bench = try BenchCLI()
            let runs = try await withThrowingTaskGroup(of: (Bool, AgentBinary.Run).self) { group in
                for process in 0..<16 {
                    group.addTask {
                        process < 4
                            ? (true, try await bench.issue(imei: [Fixtures.imei(process + 10)]))
                            : (false, try await bench.run(["certificate", "list", "--json"]))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for (_, run) in runs { #expect(run.status == 0, "\(run.stderr)") }
            let numbers = Set(try runs.filter(\.0).map { try BenchCLI.number($0.1) })
            #expect(numbers.count == 4)
            let list = try await bench.run(["certificate", "list", "--json"])
            #expect((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.count == 4)
        }
    }

    @Test func auditTimesInJSONAreISO8601() async throws {
        let bench = try BenchCLI()
        let number = try BenchCLI.number(try await bench.issue())
        let shown = try await bench.run(["certificate", "show", number, "--json"])
        let audit = try #require(try BenchCLI.object(shown)["audit"] as? [[String: Any]])
        let time = try #require(audit.first?["time"] as? String, "\(audit)")
        let parsed = try #require(ISO8601DateFormatter().date(from: time), "\(time)")
        #expect(abs(parsed.timeIntervalSinceNow) < 600)
    }

    @Test func damagedFilesGiveOneSentenceNotLibraryText() async throws {
        let garbage = try BenchCLI()
        try Data(repeating: 0x42, count: 8192).write(to: garbage.dataDir.appendingPathComponent(SQLiteRegistry.fileName))
        try await garbage.run(["certificate", "list"]).refuses("is damaged or not a registry")

        let keyIsADirectory = try BenchCLI()
        let keyPath = keyIsADirectory.directory.path(StationKey.fileName)
        try FileManager.default.createDirectory(atPath: keyPath, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        try await keyIsADirectory.run(["certificate", "key"]).refuses("Cannot read the station key \(keyPath)")

        let dataDirIsAFile = try TemporaryDirectory()
        let file = dataDirIsAFile.path("not-a-directory")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let run = try await AgentBinary.run(["certificate", "list", "--data-dir", file])
        run.refuses("is not a directory")
    }
}
