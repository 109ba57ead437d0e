// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation
import Glibc
import Grading
import IntakeStore

/// The chain registry's figures (issue 11): certificates a second with the uniqueness check against PostgreSQL,
/// one station and several at once, p50/p99 issuance latency, the embedded SQLite registry beside them in the same
/// run, and how fast a station's outbox drains into the chain.
struct BenchChain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Chain registry issuance (PostgreSQL) against SQLite, latency percentiles, and outbox sync throughput.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "The PostgreSQL server, as a postgres:// URL to a database the bench may create databases beside (scripts/test-postgres start DIR prints one).")
    var url: String

    @Option(help: "Certificates per measured run.")
    var count: Int = 1000

    @Option(help: "Stations issuing at once in the concurrent run.")
    var stations: Int = 4

    @Option(help: "Issuances in flight per station in the concurrent run (consultants at its benches).")
    var perStation: Int = 2

    @Option(help: "Certificates in the outbox for the sync run.")
    var outbox: Int = 1000

    @Flag(help: "Print the figures as JSON.")
    var json = false

    struct Run: Encodable {
        var name: String
        var certificates: Int
        var seconds: Double
        var perSecond: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        enum CodingKeys: String, CodingKey {
            case name, certificates, seconds, perSecond = "per_second", p50Milliseconds = "p50_ms", p99Milliseconds = "p99_ms"
        }
    }

    func run() async throws {
        try await reportingFailures {
            let parent = FileManager.default.temporaryDirectory.appendingPathComponent("bench-chain-\(getpid())")
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: parent) }
            let codes = ["A2", "B3", "C4", "D5", "E6", "F7", "G8", "H9"]
            guard (1...codes.count).contains(stations) else { throw Failure("--stations takes 1 to \(codes.count).") }
            var runs: [Run] = []

            // The baseline, in the same run: the embedded registry, one station.
            let sqlite = try Station(dataDirectory: try fresh(parent, "sqlite"))
            runs.append(try await measure("sqlite, 1 station", [sqlite], perStation: 1, prefix: "100001"))

            let one = try await chainStations(1, codes: codes, parent: parent, policy: .refuse)
            _ = try await one[0].chain!.migrate()
            runs.append(try await measure("postgres, 1 station", one, perStation: 1, prefix: "200002"))
            for station in one { await station.close() }

            let many = try await chainStations(stations, codes: codes, parent: parent, policy: .refuse)
            _ = try await many[0].chain!.migrate()
            runs.append(try await measure("postgres, \(stations) stations × \(perStation) in flight", many, perStation: perStation, prefix: "300003"))
            for station in many { await station.close() }

            // The outbox: queued while the chain is "down" (a dead port), then pushed against the real server.
            let syncDirectory = try fresh(parent, "sync")
            let offline = try Station(
                dataDirectory: syncDirectory, stationCode: StationCode("K7"),
                chain: ChainSettings(url: "postgres://intake@127.0.0.1:9/none", offlineIssuance: .queue, timeout: .milliseconds(200)),
                storeID: try SyntheticIssuance().store.id)
            let synthetic = try SyntheticIssuance(run: "400004")
            for index in 0..<outbox {
                _ = try await offline.issuer.issue(synthetic.request(device: index, index: index), consultant: "bench")
            }
            await offline.close()
            let database = try createDatabase("bench_sync")
            let online = try Station(
                dataDirectory: syncDirectory, stationCode: StationCode("K7"), chain: ChainSettings(url: database),
                storeID: synthetic.store.id)
            _ = try await online.chain!.migrate()
            let clock = ContinuousClock()
            let start = clock.now
            let report = try await online.sync()!
            let seconds = Self.seconds(clock.now - start)
            await online.close()
            guard report.pushed.count == outbox else {
                throw Failure("The sync pushed \(report.pushed.count) of \(outbox) (\(report.problem ?? "no problem reported")).")
            }
            runs.append(Run(name: "outbox sync", certificates: outbox, seconds: seconds, perSecond: Double(outbox) / seconds, p50Milliseconds: 0, p99Milliseconds: 0))

            if json {
                try Output.json(runs)
                return
            }
            for run in runs {
                let latency = run.name == "outbox sync" ? "" : String(format: ", p50 %.2f ms, p99 %.2f ms", run.p50Milliseconds, run.p99Milliseconds)
                Output.line("\(run.name): \(run.certificates) certificates in \(String(format: "%.2f", run.seconds)) s = \(Int(run.perSecond.rounded()))/s\(latency)")
            }
        }
    }

    private func fresh(_ parent: URL, _ name: String) throws -> URL {
        let directory = parent.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A new database beside the one `url` names; its URL.
    private func createDatabase(_ prefix: String) throws -> String {
        let name = "\(prefix)_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let status = system("psql -X -qAt '\(url)' -c 'CREATE DATABASE \(name)' >/dev/null")
        guard status == 0 else { throw Failure("Cannot create a database on \(url) with psql: check the URL and that psql is installed.") }
        guard var components = URLComponents(string: url) else { throw Failure("--url is not a URL.") }
        components.path = "/\(name)"
        return components.string!
    }

    private func chainStations(_ count: Int, codes: [String], parent: URL, policy: OfflineIssuance) async throws -> [Station] {
        let database = try createDatabase("bench_chain")
        let store = try SyntheticIssuance().store.id
        return try (0..<count).map { index in
            try Station(
                dataDirectory: try fresh(parent, "chain-\(count)-\(index)"), stationCode: StationCode(codes[index]),
                chain: ChainSettings(url: database, offlineIssuance: policy), storeID: store)
        }
    }

    /// Issues `count` distinct devices spread over `stations`, `perStation` at a time each; figures.
    private func measure(_ name: String, _ stations: [Station], perStation: Int, prefix: String) async throws -> Run {
        let synthetic = try SyntheticIssuance(run: prefix)
        let total = count
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            let lanes = stations.count * perStation
            for lane in 0..<lanes {
                let station = stations[lane % stations.count]
                group.addTask {
                    var mine: [Duration] = []
                    var index = lane
                    while index < total {
                        let began = ContinuousClock.now
                        _ = try await station.issuer.issue(synthetic.request(device: index, index: index), consultant: "bench")
                        mine.append(ContinuousClock.now - began)
                        index += lanes
                    }
                    return mine
                }
            }
            var all: [Duration] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let seconds = Self.seconds(clock.now - start)
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return Self.seconds(latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)]) * 1000
        }
        return Run(
            name: name, certificates: total, seconds: seconds, perSecond: Double(total) / seconds,
            p50Milliseconds: percentile(0.50), p99Milliseconds: percentile(0.99))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
