// SPDX-License-Identifier: Apache-2.0
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

/// Valid synthetic issuance requests for the benchmark and the crash-safety child: a real store and catalog model,
/// a valid IIN, one distinct Luhn-valid IMEI a device number.
struct SyntheticIssuance {
    let store: Store
    let model: CatalogModel
    /// Six digits in every IMEI: random per run, so runs on one registry do not reuse devices, unless given.
    let run: String

    init(run: String? = nil) throws {
        self.run = run ?? String(format: "%06d", Int.random(in: 0..<1_000_000))
        guard self.run.count == 6, self.run.allSatisfy(\.isNumber) else {
            throw Failure("The device prefix must be six digits.")
        }
        guard let store = try StoreList.loadDefault().stores.first(where: \.acceptsApple) else {
            throw Failure("The store list has no store that takes every brand.")
        }
        guard let model = try Catalog.loadDefault().models.first(where: { $0.refusal == nil && !$0.family.isApple }) else {
            throw Failure("The catalog has no eligible Android model.")
        }
        self.store = store
        self.model = model
    }

    func request(device: Int, index: Int) -> IssueRequest {
        IssueRequest(
            amount: Tenge(50_000 + index % 100 * 1_000), issuedOn: benchToday(), holderName: "Тестова Әлия",
            iin: "900101300007", birthDate: CivilDate(year: 1990, month: 1, day: 1)!, store: store, model: model,
            modelIdentifier: model.identifiers.first, imeis: [SyntheticIssuance.imei("35" + run + String(format: "%06d", device % 1_000_000))],
            serial: nil, grade: "B", ruleSet: RuleSet.current.id)
    }

    /// Appends the Luhn check digit to 14 digits.
    static func imei(_ body: String) -> String {
        var sum = 0
        for (offset, character) in body.reversed().enumerated() {
            var digit = Int(String(character)) ?? 0
            if offset % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return body + String((10 - sum % 10) % 10)
    }
}
