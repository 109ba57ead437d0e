// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import IntakeStore
import Printing
import Testing

/// The chain registry on a real PostgreSQL server (`TestPostgres`): stations in their own data directories issuing,
/// redeeming and syncing against one database, as stores of the chain do.
/// An issuance's number, or the sentence that refused it.
enum Outcome: Sendable {
    case success(String)
    case failure(String)
}

@Suite("Chain registry on PostgreSQL", .serialized)
struct ChainRegistryTests {
    static let codes = ["A2", "B3", "C4", "D5", "E6", "F7"]

    /// `count` stations on `url`, each in its own data directory with its own key, store and code.
    static func stations(
        _ url: String, count: Int, policy: OfflineIssuance = .refuse, timeout: Duration = .seconds(5)
    ) throws -> ([Station], [TemporaryDirectory]) {
        let stores = Fixtures.stores.stores.filter(\.acceptsApple)
        var stations: [Station] = []
        var directories: [TemporaryDirectory] = []
        for index in 0..<count {
            let directory = try TemporaryDirectory()
            directories.append(directory)
            stations.append(try Station(
                dataDirectory: directory.url, stationCode: StationCode(codes[index]),
                chain: ChainSettings(url: url, offlineIssuance: policy, timeout: timeout),
                storeID: stores[index % stores.count].id))
        }
        return (stations, directories)
    }

    static func request(phone: Int, imei: String? = nil, serial: String? = nil, store: Store) -> IssueRequest {
        Fixtures.request(device: phone, imeis: [imei ?? Fixtures.imei(phone)], serial: serial, store: store, issuedOn: CivilDate.today())
    }

    static func store(of station: Station) -> Store {
        Fixtures.stores.store(id: station.chain!.storeID!)!
    }

    static func close(_ stations: [Station]) async {
        for station in stations { await station.close() }
    }

    @Test("Migrations apply once, in order; a chain migrated by a newer build is refused")
    func migrations() async throws {
        let url = try TestPostgres.database()
        let (stations, directories) = try Self.stations(url, count: 2)
        _ = directories
        let chain = stations[0].chain!
        let before = try await chain.status()
        #expect(before.reachable && !before.missingMigrations.isEmpty)
        // Two stations migrating at once apply each migration once.
        async let first = chain.migrate()
        async let second = stations[1].chain!.migrate()
        let applied = try await first + second
        #expect(applied == PostgresRegistry.migrationNames)
        #expect(try await chain.migrate().isEmpty)
        #expect(try await chain.status().missingMigrations.isEmpty)
        try TestPostgres.psql(url, "INSERT INTO registry_migration (name) VALUES ('2099-01-c9 from the future')")
        await #expect { try await chain.migrate() } throws: { "\($0)".contains("newer intake-agent") }
        await Self.close(stations)
    }

    @Test("Four stations, 200 phones, a fifth tried at several stations in other spellings: one certificate a phone")
    func oneCertificatePerPhoneAcrossStations() async throws {
        let url = try TestPostgres.database()
        let (stations, directories) = try Self.stations(url, count: 4)
        _ = directories
        _ = try await stations[0].chain!.migrate()
        var attempts: [(station: Int, phone: Int, request: IssueRequest)] = []
        for phone in 0..<200 {
            let imei = Fixtures.imei(20_000 + phone)
            let serial = "F2LX\(String(format: "%04d", phone))HG7K"
            let home = phone % 4
            attempts.append((home, phone, Self.request(phone: phone, imei: imei, serial: serial, store: Self.store(of: stations[home]))))
            guard phone % 5 == 0 else { continue }
            // The same phone at other stations: the IMEI with spaces and dashes, the serial in lower case with dashes.
            let spaced = "\(imei.prefix(2)) \(imei.dropFirst(2).prefix(6))-\(imei.dropFirst(8).prefix(6))-\(imei.suffix(1))"
            let dashed = serial.lowercased().enumerated().map { $0.offset > 0 && $0.offset % 4 == 0 ? "-\($0.element)" : "\($0.element)" }.joined()
            for (offset, other) in [(home + 1) % 4, (home + 2) % 4].enumerated() where offset == 0 || phone % 10 == 0 {
                let store = Self.store(of: stations[other])
                attempts.append((other, phone, offset == 0
                    ? Self.request(phone: phone, imei: spaced, serial: dashed, store: store)
                    : Self.request(phone: phone, imei: imei, store: store)))
            }
        }
        attempts.shuffle()
        let stationsCopy = stations
        let outcomes = try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            var results: [(Int, Outcome)] = []
            var next = 0
            func add() {
                let attempt = attempts[next]
                next += 1
                group.addTask {
                    do {
                        let certificate = try await stationsCopy[attempt.station].issuer.issue(attempt.request, consultant: "race")
                        return (attempt.phone, .success(certificate.number.rawValue))
                    } catch StoreError.refused(let sentence) {
                        return (attempt.phone, .failure(sentence))
                    }
                }
            }
            for _ in 0..<min(16, attempts.count) { add() }
            while let result = try await group.next() {
                results.append(result)
                if next < attempts.count { add() }
            }
            return results
        }
        var issued: [Int: [String]] = [:]
        var refusals: [String] = []
        for (phone, outcome) in outcomes {
            switch outcome {
            case .success(let number): issued[phone, default: []].append(number)
            case .failure(let sentence): refusals.append(sentence)
            }
        }
        #expect(issued.count == 200)
        #expect(issued.values.allSatisfy { $0.count == 1 }, "phones with two certificates: \(issued.filter { $0.value.count > 1 })")
        #expect(refusals.count == attempts.count - 200)
        for sentence in refusals {
            #expect(sentence.hasPrefix("This phone already has certificate ") && sentence.contains(", issued at "), "\(sentence)")
        }
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM certificate") == "200")
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM (SELECT device_key FROM certificate_device WHERE live GROUP BY device_key HAVING count(*) > 1) AS twice") == "0")
        await Self.close(stations)
    }

    @Test("The same certificate redeemed at two stations at once, 50 times: exactly one succeeds each time")
    func redemptionRace() async throws {
        let url = try TestPostgres.database()
        let (stations, directories) = try Self.stations(url, count: 3)
        _ = directories
        _ = try await stations[0].chain!.migrate()
        let contract = Redemption.Contract(price: Tenge(400_000), minimumPrepayment: Tenge(50_000), maximumPrepayment: Tenge(300_000), months: 24)
        for round in 0..<50 {
            let certificate = try await stations[0].issuer.issue(
                Self.request(phone: 40_000 + round, store: Self.store(of: stations[0])), consultant: "issuer")
            guard case .success(let split) = Redemption.split(certificate: certificate.content.amount, contract: contract) else {
                Issue.record("no split")
                return
            }
            async let one = outcome { try await stations[1].certificates.redeem(certificate.number, split: split, on: CivilDate.today(), consultant: "left", at: Date()) }
            async let two = outcome { try await stations[2].certificates.redeem(certificate.number, split: split, on: CivilDate.today(), consultant: "right", at: Date()) }
            let results = await [one, two]
            let winners = results.filter { if case .success = $0 { true } else { false } }
            #expect(winners.count == 1, "round \(round): \(results)")
            for case .failure(let error) in results {
                #expect("\(error)".contains("already been redeemed"), "\(error)")
            }
        }
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM certificate WHERE status = 'redeemed' AND redeemed_store IS NOT NULL") == "50")
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM audit WHERE event = 'certificate.redeemed'") == "50")
        await Self.close(stations)
    }

    @Test("Partition: the chain stops mid-run; queued certificates drain when it is back, nothing lost or doubled, conflicts kept; the default policy issues nothing")
    func partition() async throws {
        let cluster = try TestPostgres.startCluster()
        let url = try TestPostgres.database(on: cluster.url)
        let (queued, queuedDirectories) = try Self.stations(url, count: 2, policy: .queue, timeout: .seconds(1))
        let (refusing, refusingDirectories) = try Self.stations(url, count: 3, policy: .refuse, timeout: .seconds(1))
        _ = (queuedDirectories, refusingDirectories)
        let station = queued[0]
        let other = queued[1]
        let strict = refusing[2]
        _ = try await station.chain!.migrate()
        let store = Self.store(of: station)
        var numbers: [String] = []
        for phone in 0..<10 {
            numbers.append(try await station.issuer.issue(Self.request(phone: 50_000 + phone, store: store), consultant: "online").number.rawValue)
        }
        // Another store certified this phone while the chain was up; this station will not know while it is down.
        let contested = 50_999
        let held = try await other.issuer.issue(Self.request(phone: contested, store: Self.store(of: other)), consultant: "elsewhere")

        try TestPostgres.script(["stop", cluster.directory])
        var offline: [String] = []
        for phone in 10..<30 {
            offline.append(try await station.issuer.issue(Self.request(phone: 50_000 + phone, store: store), consultant: "offline").number.rawValue)
        }
        let conflicting = try await station.issuer.issue(Self.request(phone: contested, store: store), consultant: "offline")
        // The same phone twice at this station while offline is refused by the station itself.
        await #expect { try await station.issuer.issue(Self.request(phone: 50_010, store: store), consultant: "offline") } throws: {
            "\($0)".contains("already has certificate")
        }
        for phone in 0..<3 {
            await #expect {
                try await strict.issuer.issue(Self.request(phone: 60_000 + phone, store: Self.store(of: strict)), consultant: "strict")
            } throws: { error in
                "\(error)".hasPrefix("The chain registry is unreachable (") && "\(error)".hasSuffix("; nothing was issued; try again or call the technician.")
            }
        }
        // Redemption is never offline.
        let split = try Redemption.split(certificate: Tenge(185_000), contract: Redemption.Contract(price: Tenge(400_000), minimumPrepayment: Tenge(50_000), maximumPrepayment: Tenge(300_000), months: 24)).get()
        await #expect { try await station.certificates.redeem(CertificateNumber(numbers[0])!, split: split, on: CivilDate.today(), consultant: "x", at: Date()) } throws: {
            "\($0)".contains("unreachable") && "\($0)".contains("nothing was redeemed")
        }
        #expect(try await station.registry.outbox([.pending]).count == 21)
        // The slip of a queued certificate says it is not in the chain yet.
        let slipDirectory = try TemporaryDirectory()
        let slipPath = slipDirectory.path("slip.txt")
        _ = try await CertificatePrinter(format: .text).print(
            conflicting.number, registry: station.certificates, stores: Fixtures.stores, to: PrinterPort(path: slipPath),
            reason: nil, consultant: "offline")
        #expect(try String(contentsOfFile: slipPath, encoding: .utf8).contains("ОЖИДАЕТ ВНЕСЕНИЯ В РЕЕСТР СЕТИ"))

        _ = try TestPostgres.script(["start", cluster.directory])
        var report = try await station.sync()!
        let deadline = ContinuousClock.now + .seconds(90)
        var pushed = report.pushed
        var conflicts = report.conflicts
        while report.problem != nil || report.remaining > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            report = try await station.sync()!
            pushed += report.pushed
            conflicts += report.conflicts
        }
        #expect(Set(pushed.map(\.rawValue)) == Set(offline))
        #expect(conflicts.map(\.rawValue) == [conflicting.number.rawValue])
        // A second pass pushes nothing again; a retried push of a certificate the chain has is not a new row.
        let again = try await station.sync()!
        #expect(again.pushed.isEmpty && again.conflicts.isEmpty && again.remaining == 0)
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM certificate") == "\(10 + 1 + 20)")
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM certificate WHERE issued_offline") == "20")
        let conflict = try #require(try await station.registry.outbox([.conflict]).first)
        #expect(conflict.conflictNumber == held.number.rawValue)
        #expect(conflict.lastError?.contains("already has certificate \(held.number)") == true)
        #expect(try await strict.registry.outbox([.pending, .sending, .synced]).isEmpty)
        await Self.close(queued + refusing)
        _ = try? TestPostgres.script(["stop", cluster.directory, "immediate"])
    }

    @Test("A row changed with direct SQL fails verification and is neither redeemed nor printed")
    func forgedRow() async throws {
        let url = try TestPostgres.database()
        let directory = try TemporaryDirectory()
        let environment = ["INTAKE_AGENT_REGISTRY_URL": url, "INTAKE_AGENT_DATA_DIR": directory.url.path]
        _ = try await AgentBinary.run(["registry", "migrate"], environment: environment)
        let issued = try await AgentBinary.run([
            "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--amount", "141000",
            "--grade", "ok/B", "--holder-name", "Иванова Әлия", "--iin", "900101300007", "--birth-date", "1990-01-01",
            "--imei", Fixtures.imei(70_001), "--station-code", "G8", "--json",
        ], environment: environment)
        #expect(issued.status == 0, "\(issued.stderr)")
        let number = try #require(try JSONSerialization.jsonObject(with: Data(issued.stdout.utf8)) as? [String: Any])["number"] as! String
        #expect(try await AgentBinary.run(["certificate", "verify", number], environment: environment).status == 0)
        // The triggers refuse the change; a person who turns them off still cannot make the row verify.
        #expect(throws: (any Error).self) { try TestPostgres.psql(url, "UPDATE certificate SET amount_kzt = 1850000 WHERE number = '\(number)'") }
        try TestPostgres.psql(url, "SET session_replication_role = replica; UPDATE certificate SET amount_kzt = 1850000 WHERE number = '\(number)'")
        let verify = try await AgentBinary.run(["certificate", "verify", number], environment: environment)
        #expect(verify.status == 1 && verify.stderr.contains("ALTERED"), "\(verify.stderr)")
        let redeem = try await AgentBinary.run([
            "certificate", "redeem", number, "--price", "400000", "--min-prepayment", "50000", "--max-prepayment", "300000",
            "--months", "24",
        ], environment: environment)
        #expect(redeem.status == 1 && redeem.stderr.contains("ALTERED"), "\(redeem.stderr)")
        let print = try await AgentBinary.run(["print", number], environment: environment)
        #expect(print.status == 1 && print.stderr.contains("ALTERED"), "\(print.stderr)")
        #expect(try TestPostgres.psql(url, "SELECT status FROM certificate WHERE number = '\(number)'") == "issued")
    }

    @Test("The agent's role may insert and move statuses forward, never rewrite or delete, and the audit log is append-only")
    func agentRole() async throws {
        let cluster = try TestPostgres.clusterURL()
        try TestPostgres.psql(cluster, "DO $$ BEGIN CREATE ROLE intake_agent LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        let owner = try TestPostgres.database()
        let agent = TestPostgres.url(owner, user: "intake_agent")
        let (ownerStations, ownerDirectories) = try Self.stations(owner, count: 1)
        _ = ownerDirectories
        _ = try await ownerStations[0].chain!.migrate()
        await Self.close(ownerStations)
        let (stations, directories) = try Self.stations(agent, count: 1)
        _ = directories
        await #expect { try await stations[0].chain!.migrate() } throws: { "\($0)".contains("42501") || "\($0)".contains("permission") }
        let certificate = try await stations[0].issuer.issue(Self.request(phone: 80_001, store: Self.store(of: stations[0])), consultant: "agent")
        _ = try await stations[0].certificates.markPrinted(certificate.number, consultant: "agent", at: Date())
        for sql in [
            "UPDATE audit SET event = 'nothing'", "DELETE FROM audit", "UPDATE certificate SET amount_kzt = 1",
            "DELETE FROM certificate", "UPDATE station SET public_key = public_key", "DELETE FROM certificate_device",
        ] {
            #expect(throws: (any Error).self, "\(sql) was allowed") { try TestPostgres.psql(agent, sql) }
        }
        #expect(try TestPostgres.psql(owner, "SELECT status || ' ' || print_count FROM certificate") == "printed 1")
        await Self.close(stations)
    }
}

/// `body`'s certificate or its error.
private func outcome(_ body: () async throws -> Certificate) async -> Result<Certificate, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

extension ChainRegistryTests {
    @Test("One customer, one device across the chain: the same IIN at two stations at once gets one certificate")
    func oneLiveCertificatePerHolderAcrossStations() async throws {
        let url = try TestPostgres.database()
        let (stations, directories) = try Self.stations(url, count: 2)
        _ = directories
        _ = try await stations[0].chain!.migrate()
        for holder in 0..<10 {
            let iin = Fixtures.holderIIN(500 + holder)
            let requests = (0..<2).map { index in
                Fixtures.request(
                    imeis: [Fixtures.imei(95_000 + holder * 2 + index)], store: Self.store(of: stations[index]), iin: iin,
                    issuedOn: CivilDate.today())
            }
            async let one = outcome { try await stations[0].issuer.issue(requests[0], consultant: "left") }
            async let two = outcome { try await stations[1].issuer.issue(requests[1], consultant: "right") }
            let results = await [one, two]
            #expect(results.filter { if case .success = $0 { true } else { false } }.count == 1, "\(results)")
            for case .failure(let error) in results {
                #expect("\(error)".contains("one customer hands over one device"), "\(error)")
                #expect(!"\(error)".contains(iin))
            }
        }
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM certificate") == "10")
        await Self.close(stations)
    }
}
