// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Synchronization

/// Real PostgreSQL for the chain registry's tests: the cluster `.ci/run` started (`INTAKE_AGENT_TEST_POSTGRES_URL`),
/// or one this test process starts with `scripts/test-postgres` and stops when it exits. Every test gets a database
/// of its own; a test that stops and starts the server (the partition) gets a cluster of its own.
enum TestPostgres {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    private static let started = Mutex<String?>(nil)
    nonisolated(unsafe) private static var ownDirectories: [String] = []
    private static let directoriesLock = NSLock()

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `scripts/test-postgres` with `arguments`; its standard output.
    @discardableResult
    static func script(_ arguments: [String]) throws -> String {
        try run(repository.appendingPathComponent("scripts/test-postgres").path, arguments)
    }

    /// The URL of a cluster the tests may use (databases are created on it).
    static func clusterURL() throws -> String {
        if let url = ProcessInfo.processInfo.environment["INTAKE_AGENT_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        return try started.withLock { url in
            if let url { return url }
            let (_, started) = try startCluster()
            url = started
            return started
        }
    }

    /// A new cluster in a directory of its own; stopped when the test process exits.
    static func startCluster() throws -> (directory: String, url: String) {
        let directory = "/tmp/intake-agent-test-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        let url = try script(["start", directory, "fast"]).trimmingCharacters(in: .whitespacesAndNewlines)
        directoriesLock.lock()
        if ownDirectories.isEmpty {
            atexit {
                for directory in TestPostgres.ownDirectoriesSnapshot() {
                    _ = try? TestPostgres.script(["stop", directory, "immediate"])
                    try? FileManager.default.removeItem(atPath: directory)
                }
            }
        }
        ownDirectories.append(directory)
        directoriesLock.unlock()
        return (directory, url)
    }

    static func ownDirectoriesSnapshot() -> [String] {
        directoriesLock.lock()
        defer { directoriesLock.unlock() }
        return ownDirectories
    }

    /// A fresh, empty database; its URL.
    static func database(on cluster: String? = nil) throws -> String {
        let base = try cluster ?? clusterURL()
        let name = "t_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        try psql(base, "CREATE DATABASE \(name)")
        return base.replacingOccurrences(of: "/postgres", with: "/\(name)")
    }

    /// Runs `sql` with psql (as the cluster's owner, or as the URL's user); its unaligned output.
    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        try run("/usr/bin/psql", ["-X", "-v", "ON_ERROR_STOP=1", "-qAt", url, "-c", sql])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `url` with another user.
    static func url(_ url: String, user: String) -> String {
        url.replacingOccurrences(of: "postgres://intake@", with: "postgres://\(user)@")
    }

    /// Runs `program` through popen (its own waitpid, whatever else the test process spawns); standard output,
    /// or a failure carrying standard error.
    private static func run(_ program: String, _ arguments: [String]) throws -> String {
        let quoted = ([program] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let errorFile = "/tmp/intake-agent-test-pg-stderr-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { unlink(errorFile) }
        guard let pipe = popen(quoted.joined(separator: " ") + " </dev/null 2>" + errorFile, "r") else {
            throw Failure(description: "cannot start \(program)")
        }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count > 0 { output.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count { break }
        }
        let status = pclose(pipe)
        guard status == 0 else {
            let error = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")) failed: \(error)")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
