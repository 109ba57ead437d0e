// SPDX-License-Identifier: Apache-2.0
import Foundation
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

    private static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")) failed: \(String(decoding: error, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
