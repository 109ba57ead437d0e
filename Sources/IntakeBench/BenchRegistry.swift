// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation
import Glibc
import Grading
import IntakeStore

struct BenchRegistry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Certificate issuance throughput and plug-to-certificate time."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many certificates to issue.")
    var count: Int = 2000

    @Option(help: "How many write+fsync rounds measure the disk.")
    var fsyncRounds: Int = 500

    @Flag(help: "Print the figures as JSON.")
    var json = false

    struct Figures: Encodable {
        var directory: String
        var fsyncPerSecond: Double
        var fsyncPerSecondBefore: Double
        var fsyncPerSecondAfter: Double
        var certificates: Int
        var seconds: Double
        var certificatesPerSecond: Double
        var synchronous: String
        var journalMode: String

        enum CodingKeys: String, CodingKey {
            case directory, fsyncPerSecond = "fsync_per_second", fsyncPerSecondBefore = "fsync_per_second_before"
            case fsyncPerSecondAfter = "fsync_per_second_after", certificates, seconds
            case certificatesPerSecond = "certificates_per_second", synchronous, journalMode = "journal_mode"
        }
    }

    func run() async throws {
        try await reportingFailures {
            // A fresh registry in a temporary directory on the data directory's disk (it is that disk that syncs).
            let parent = global.resolvedDataDir
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            let directory = parent.appendingPathComponent("bench-registry-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }

            // The disk is measured just before and just after the issuance run (a shared disk's rate drifts).
            let fsyncBefore = try measureFsync(in: directory, rounds: fsyncRounds)
            let station = try Station(dataDirectory: directory)
            let synthetic = try SyntheticIssuance()
            let requests = (0..<count).map { synthetic.request(device: $0, index: $0) }
            let clock = ContinuousClock()
            let start = clock.now
            for request in requests {
                _ = try await station.issuer.issue(request, consultant: "bench")
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let fsyncAfter = try measureFsync(in: directory, rounds: fsyncRounds)
            let fsyncRate = (fsyncBefore + fsyncAfter) / 2
            let figures = Figures(
                directory: parent.path, fsyncPerSecond: fsyncRate, fsyncPerSecondBefore: fsyncBefore,
                fsyncPerSecondAfter: fsyncAfter, certificates: count, seconds: seconds,
                certificatesPerSecond: Double(count) / seconds,
                synchronous: try station.registry.synchronousMode() == 2 ? "FULL" : "not FULL",
                journalMode: "WAL")
            if json {
                try Output.json(figures)
            } else {
                Output.line("disk fsync rate (4 KiB write + fsync, \(fsyncRounds) rounds before and after): \(Int(fsyncBefore.rounded()))/s and \(Int(fsyncAfter.rounded()))/s in \(parent.path)")
                Output.line("issuance (\(count) certificates, uniqueness check, Ed25519 signature, WAL, synchronous=\(figures.synchronous)): \(Int(figures.certificatesPerSecond.rounded()))/s, \(String(format: "%.2f", seconds)) s")
                Output.line("ratio to the fsync rate: \(String(format: "%.2f", figures.certificatesPerSecond / fsyncRate)) (each issuance is one commit, which syncs the WAL once)")
            }
        }
    }

    /// Write-and-fsync rounds per second on a temporary file in `directory`: the most commits a second the disk
    /// allows with full durability.
    private func measureFsync(in directory: URL, rounds: Int) throws -> Double {
        let path = directory.appendingPathComponent("fsync-probe").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure("Cannot create \(path) to measure the disk: check the data directory.") }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<max(rounds, 1) {
            guard block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == block.count, fsync(fd) == 0 else {
                throw Failure("Writing \(path) failed: \(String(cString: strerror(errno))).")
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(max(rounds, 1)) / seconds
    }
}
