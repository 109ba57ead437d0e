// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation
import Grading
import IntakeStore

/// `intake-agent registry ...`: the chain registry's operations (design.md "The chain registry").
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "The chain registry on PostgreSQL: migrations, status, station keys, the outbox and its conflicts, exports.",
        subcommands: [Migrate.self, Status.self, Keys.self, RotateKey.self, Conflicts.self, Export.self, Sync.self])
}

/// The station with its chain, or a sentence saying how to configure one.
private func chainStation(_ global: GlobalOptions, stationCode: String? = nil) throws -> (Station, PostgresRegistry) {
    let station = try global.openStation(stationCode: stationCode)
    guard let chain = station.chain else {
        throw Failure("No chain registry is configured: set INTAKE_AGENT_REGISTRY_URL or registry_url in the configuration to a postgres:// URL.")
    }
    return (station, chain)
}

extension RegistryCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Applies the chain registry's migrations it lacks (run by the database's owner role).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingFailures {
                let (station, chain) = try chainStation(global)
                defer { Task { await station.close() } }
                let applied = try await chain.migrate()
                if applied.isEmpty {
                    Output.line("The chain registry is up to date (\(ChainSchemaInfo.count) migration\(ChainSchemaInfo.count == 1 ? "" : "s")).")
                } else {
                    for name in applied { Output.line("applied \(name)") }
                }
                await station.close()
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether the chain registry answers, its migrations, this station's outbox and its last sync.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the status as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let (station, chain) = try chainStation(global)
                let status = try await chain.status()
                await station.close()
                let outbox = Dictionary(uniqueKeysWithValues: OutboxState.allCases.map { ($0.rawValue, status.outbox[$0] ?? 0) })
                if json {
                    try Output.json(StatusOutput(
                        url: status.url, reachable: status.reachable, problem: status.problem,
                        migrationsApplied: status.appliedMigrations, migrationsMissing: status.missingMigrations,
                        outbox: outbox, lastSync: status.lastSync, lastSyncError: status.lastSyncError,
                        roundTripMs: status.roundTripMilliseconds))
                } else {
                    Output.line("chain registry: \(status.url)")
                    if status.reachable {
                        Output.line("  reachable:   yes (\(String(format: "%.1f", status.roundTripMilliseconds ?? 0)) ms)")
                        Output.line("  migrations:  \(status.appliedMigrations.count) applied\(status.missingMigrations.isEmpty ? "" : ", \(status.missingMigrations.count) missing: run `intake-agent registry migrate`")")
                    } else {
                        Output.line("  reachable:   NO (\(status.problem ?? "no answer"))")
                    }
                    Output.line("  outbox:      \(status.outbox[.pending] ?? 0) pending, \(status.outbox[.sending] ?? 0) being stored, \(status.outbox[.conflict] ?? 0) conflicts, \(status.outbox[.synced] ?? 0) synced")
                    Output.line("  last sync:   \(status.lastSync ?? "never")\(status.lastSyncError.map { "; last attempt failed: \($0)" } ?? "")")
                }
                if !status.reachable { throw ExitCode.failure }
            }
        }

        struct StatusOutput: Encodable {
            var url: String
            var reachable: Bool
            var problem: String?
            var migrationsApplied: [String]
            var migrationsMissing: [String]
            var outbox: [String: Int]
            var lastSync: String?
            var lastSyncError: String?
            var roundTripMs: Double?
            enum CodingKeys: String, CodingKey {
                case url, reachable, problem, migrationsApplied = "migrations_applied"
                case migrationsMissing = "migrations_missing", outbox, lastSync = "last_sync"
                case lastSyncError = "last_sync_error", roundTripMs = "round_trip_ms"
            }
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The chain's station public keys as a key list for offline `certificate verify --keys`.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the key list (one Base64 key a line, with its key id, station code and store).")
        var export = false

        func run() async throws {
            try await reportingFailures {
                guard export else {
                    throw ValidationError("Say what to do with the keys: `intake-agent registry keys --export > keys.txt`.")
                }
                let station = try global.openStation()
                var lines: [String] = ["# intake-agent station keys, exported \(Date().formatted(.iso8601))"]
                if let chain = station.chain {
                    let keys = try await chain.stationKeys()
                    await station.close()
                    for key in keys {
                        lines.append("\(key.publicKey.base64EncodedString()) \(key.keyID) station \(key.code) \(key.store)\(key.retired ? " retired" : "")")
                    }
                } else {
                    lines.append(station.key.keyListLine)
                    for old in station.retiredKeys { lines.append("\(old.keyListLine) retired") }
                }
                for line in lines { Output.line(line) }
            }
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Replaces this station's signing key; the old one is kept in retired-keys/ and certificates it signed still verify.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var station: StationOptions

        func run() async throws {
            try await reportingFailures {
                // Open first: a registry whose key went missing is reported instead of rotated around.
                let before = try station.open(global)
                await before.close()
                let (old, new) = try StationKey.rotate(in: global.resolvedDataDir)
                Output.line("Retired station key \(old.keyID) (kept in \(StationKey.retiredDirectoryName)/); new key \(new.keyID).")
                let after = try station.open(global)
                if let chain = after.chain {
                    do {
                        try await chain.registerCurrentKey(after.key, code: after.issuer.station)
                        Output.line("The chain registry lists the new key and marks the old one retired.")
                    } catch {
                        Output.line("The chain registry could not be told yet (\(error)): the new key is registered at the next issuance or sync.")
                    }
                    await after.close()
                }
                Output.line(new.keyListLine)
            }
        }
    }

    struct Conflicts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Certificates this station issued offline that the chain refused (the device already had one), for the technician.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the conflicts as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let station = try global.openStation()
                let conflicts = try await station.registry.outbox([.conflict])
                await station.close()
                if json {
                    try Output.json(conflicts.map(ConflictOutput.init))
                    return
                }
                if conflicts.isEmpty { Output.line("No conflicts: every certificate this station issued offline reached the chain.") }
                for entry in conflicts {
                    let c = entry.certificate.content
                    Output.line("\(entry.number)  \(c.issuedOn)  \(c.amount.formatted)  \(c.holderIINMasked)  \(c.modelName)  \(c.deviceKey)")
                    Output.line("  \(entry.lastError ?? "refused by the chain")")
                }
            }
        }

        struct ConflictOutput: Encodable {
            var number: String
            var certificate: CertificateSummary
            var reason: String?
            var chainCertificate: String?
            var chainStore: String?
            var chainIssuedOn: String?
            init(_ entry: OutboxEntry) {
                number = entry.number.rawValue
                certificate = entry.certificate.summary
                reason = entry.lastError
                chainCertificate = entry.conflictNumber
                chainStore = entry.conflictStore
                chainIssuedOn = entry.conflictDate
            }
            enum CodingKeys: String, CodingKey {
                case number, certificate, reason, chainCertificate = "chain_certificate", chainStore = "chain_store"
                case chainIssuedOn = "chain_issued_on"
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The chain's certificates issued between two days as CSV for accounting (IINs masked).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The first issue day (YYYY-MM-DD).")
        var from: String
        @Option(help: "The last issue day (YYYY-MM-DD).")
        var to: String

        func run() async throws {
            try await reportingFailures {
                let first = try parseDate(from, "first day")
                let last = try parseDate(to, "last day")
                guard first <= last else { throw Failure("The first day \(first) is after the last day \(last): swap them.") }
                let (station, _) = try chainStation(global)
                let certificates = try await station.certificates.list(CertificateFilter(issuedFrom: first, issuedThrough: last))
                await station.close()
                Output.line(CertificateCSV.header)
                for certificate in certificates.sorted(by: { $0.number < $1.number }) {
                    Output.line(CertificateCSV.row(certificate))
                }
            }
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pushes this station's outbox to the chain registry now (the daemon does it on its own).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingFailures {
                let (station, _) = try chainStation(global)
                let report = try await station.sync()
                await station.close()
                guard let report else { return }
                Output.line("pushed \(report.pushed.count), conflicts \(report.conflicts.count), abandoned \(report.abandoned.count), still pending \(report.remaining)")
                if let problem = report.problem { throw Failure("The sync stopped: \(problem); the rest stays pending and is pushed when the chain answers.") }
            }
        }
    }
}

enum ChainSchemaInfo {
    static var count: Int { PostgresRegistry.migrationNames.count }
}
