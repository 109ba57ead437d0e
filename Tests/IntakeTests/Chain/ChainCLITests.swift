// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Grading
import IntakeStore
import DeviceSimulators
import Testing

/// `intake-agent` against the chain registry as a bench runs it: real processes, real PostgreSQL.
@Suite("Chain registry from the command line", .serialized)
struct ChainCLITests {
    static func environment(_ url: String, _ directory: TemporaryDirectory) -> [String: String] {
        ["INTAKE_AGENT_REGISTRY_URL": url, "INTAKE_AGENT_DATA_DIR": directory.url.path, "INTAKE_AGENT_CONFIG": ""]
    }

    static func issue(_ imei: String, _ environment: [String: String], code: String = "H9") async throws -> AgentBinary.Run {
        try await AgentBinary.run([
            "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--amount", "141000",
            "--grade", "ok/B", "--holder-name", "Иванова Әлия", "--iin", BenchCLI.holderIIN(for: imei),
            "--birth-date", "1990-01-01", "--imei", imei, "--station-code", code, "--json",
        ], environment: environment)
    }

    static func number(_ run: AgentBinary.Run) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        return try #require(object["number"] as? String)
    }

    @Test("Status, export, key rotation and offline verification with the exported key list")
    func operations() async throws {
        let url = try TestPostgres.database()
        let directory = try TemporaryDirectory()
        let environment = Self.environment(url, directory)
        let status = try await AgentBinary.run(["registry", "status", "--json"], environment: environment)
        #expect(status.status == 0 && status.stdout.contains("\"reachable\" : true") && status.stdout.contains("migrations_missing"), "\(status.stdout)\(status.stderr)")
        #expect(try await AgentBinary.run(["registry", "migrate"], environment: environment).stdout.contains("applied"))
        let first = try Self.number(try await Self.issue(Fixtures.imei(90_001), environment))
        let rotated = try await AgentBinary.run(["registry", "rotate-key"], environment: environment)
        #expect(rotated.status == 0 && rotated.stdout.contains("marks the old one retired"), "\(rotated.stdout)\(rotated.stderr)")
        let second = try Self.number(try await Self.issue(Fixtures.imei(90_002), environment))
        for number in [first, second] {
            let verify = try await AgentBinary.run(["certificate", "verify", number], environment: environment)
            #expect(verify.status == 0 && verify.stdout.contains("is genuine"), "\(verify.stderr)")
        }
        let keys = try await AgentBinary.run(["registry", "keys", "--export"], environment: environment)
        let keyLines = keys.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(keyLines.count == 2 && keyLines.filter { $0.hasSuffix(" retired") }.count == 1, "\(keys.stdout)")
        let keyFile = directory.path("chain-keys.txt")
        try keys.stdout.write(toFile: keyFile, atomically: true, encoding: .utf8)
        // Another bench, offline: the payload verifies with the exported list, and it says the status was not checked.
        let shown = try await AgentBinary.run(["certificate", "show", first, "--json"], environment: environment)
        let payload = try #require((try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["payload"] as? String)
        let elsewhere = try TemporaryDirectory()
        let offline = try await AgentBinary.run(
            ["certificate", "verify", payload, "--keys", keyFile], environment: ["INTAKE_AGENT_DATA_DIR": elsewhere.url.path])
        #expect(offline.status == 0 && offline.stdout.contains("was not checked"), "\(offline.stdout)\(offline.stderr)")
        let export = try await AgentBinary.run(["registry", "export", "--from", "2000-01-01", "--to", "2099-12-31"], environment: environment)
        let rows = export.stdout.split(separator: "\n")
        #expect(rows.first == "number,store_id,issued_on,expires_on,amount_kzt,status,model,grade,holder_iin_masked,consultant,print_count")
        #expect(rows.count == 3, "\(export.stdout)")
        for phone in [90_001, 90_002] { #expect(!export.stdout.contains(BenchCLI.holderIIN(for: Fixtures.imei(phone)))) }
    }

    @Test("An unreachable chain: the default policy issues nothing and says so in one sentence")
    func unreachableRefuses() async throws {
        let directory = try TemporaryDirectory()
        // A loopback port nobody listens on.
        let environment = Self.environment("postgres://intake@127.0.0.1:9/intake", directory)
        let refused = try await Self.issue(Fixtures.imei(91_001), environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("intake-agent: The chain registry is unreachable ("), "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix("; nothing was issued; try again or call the technician.\n"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(BenchCLI.holderIIN(for: Fixtures.imei(91_001))))
        let status = try await AgentBinary.run(["registry", "status"], environment: environment)
        #expect(status.status == 1 && status.stdout.contains("reachable:   NO"), "\(status.stdout)")
    }

    @Test("SIGKILL at random points of issuance and of sync, 50 times: the chain and the station agree afterwards")
    func killedAgentsAgreeWithTheChain() async throws {
        let url = try TestPostgres.database()
        let directory = try TemporaryDirectory()
        let config = directory.path("config.json")
        // Queue while "offline" (a dead port), so some kills land in a sync of a real outbox.
        try #"{"offline_issuance": "queue", "registry_timeout_seconds": 1, "station_code": "J2"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        var online = Self.environment(url, directory)
        online["INTAKE_AGENT_CONFIG"] = config
        var offline = online
        offline["INTAKE_AGENT_REGISTRY_URL"] = "postgres://intake@127.0.0.1:9/intake"
        _ = try await AgentBinary.run(["registry", "migrate"], environment: online)
        for round in 0..<50 {
            let (arguments, environment): ([String], [String: String])
            switch round % 5 {
            case 0: (arguments, environment) = (["certificate", "issue-loop", "--devices", "30", "--device-prefix", "424242"], offline)
            case 1, 3: (arguments, environment) = (["registry", "sync"], online)
            default: (arguments, environment) = (["certificate", "issue-loop", "--devices", "30", "--device-prefix", "424242"], online)
            }
            let process = Process()
            process.executableURL = try AgentBinary.url()
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...600)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Settle: the dead processes' entries and the queue.
        let sync = try await AgentBinary.run(["registry", "sync"], environment: online)
        #expect(sync.status == 0, "\(sync.stderr)")
        let registry = try SQLiteRegistry(dataDirectory: directory.url)
        let outbox = try await registry.outbox()
        #expect(outbox.filter { $0.state == .sending || $0.state == .pending }.isEmpty, "\(outbox.map { ($0.number, $0.state) })")
        let synced = Set(outbox.filter { $0.state == .synced }.map(\.number.rawValue))
        let inChain = Set(try TestPostgres.psql(url, "SELECT number FROM certificate WHERE substr(number, 10, 2) = 'J2'")
            .split(separator: "\n").map(String.init))
        #expect(synced == inChain)
        #expect(!inChain.isEmpty)
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM (SELECT device_key FROM certificate_device WHERE live GROUP BY device_key HAVING count(*) > 1) AS twice") == "0")
        // Every signature the station kept is the chain's.
        for entry in outbox where entry.state == .synced {
            let signature = try TestPostgres.psql(url, "SELECT encode(signature, 'base64') FROM certificate WHERE number = '\(entry.number)'")
            #expect(Data(base64Encoded: signature.replacingOccurrences(of: "\n", with: "")) == entry.certificate.signature)
        }
    }
}

extension ChainCLITests {
    @Test("The daemon migrates the chain and pushes the outbox a station queued while the chain was down")
    func daemonSyncsTheOutbox() async throws {
        let url = try TestPostgres.database()
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let daemon = try RunningDaemon(
            simulator: simulator, arguments: ["--sync-seconds", "1"], environment: ["INTAKE_AGENT_REGISTRY_URL": url]
        ) { directory in
            try #"{"offline_issuance": "queue", "registry_timeout_seconds": 1, "station_code": "L3"}"#
                .write(to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
            let queued = try AgentBinary.runBlocking([
                "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--amount", "141000",
                "--grade", "ok/B", "--holder-name", "Иванова Әлия", "--iin", "900101300007", "--birth-date", "1990-01-01",
                "--imei", Fixtures.imei(92_001),
            ], environment: ["INTAKE_AGENT_DATA_DIR": directory.path, "INTAKE_AGENT_REGISTRY_URL": "postgres://intake@127.0.0.1:9/intake"])
            #expect(queued.status == 0, "\(queued.stderr)")
        }
        daemon.waitFor("chain registry migrated")
        daemon.waitFor("chain registry sync", "pushed=1")
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM certificate WHERE issued_offline") == "1")
        kill(daemon.process.processIdentifier, SIGTERM)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
    }
}

extension ChainCLITests {
    @Test("An iPhone certified in the chain is erased; its record lives in the chain and is append-only there")
    func erasureRecordsInTheChain() async throws {
        let url = try TestPostgres.database()
        let directory = try TemporaryDirectory()
        var environment = Self.environment(url, directory)
        let simulator = USBMuxSimulator.processShared
        environment["USBMUXD_SOCKET_ADDRESS"] = simulator.socketAddress
        _ = try await AgentBinary.run(["registry", "migrate"], environment: environment)
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.erases(rebootDelay: .milliseconds(300)))
        simulator.attach(phone, alreadyPaired: true)
        defer { simulator.detach(udid: phone.udid) }
        let issued = try await AgentBinary.run([
            "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--amount", "141000",
            "--grade", "ok/B", "--holder-name", "Иванова Әлия", "--iin", BenchCLI.holderIIN(for: phone.imei[0]),
            "--birth-date", "1990-01-01", "--imei", phone.imei[0], "--serial", phone.serialNumber, "--station-code", "M4",
            "--json",
        ], environment: environment)
        let number = try Self.number(issued)
        let erased = try await AgentBinary.run(["erase", "--udid", phone.udid, "--certificate", number, "--yes", "--json"], environment: environment)
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(try TestPostgres.psql(url, "SELECT number || ' ' || status FROM erasure") == "\(number)-E1 erased")
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM audit WHERE event = 'erasure.recorded'") == "1")
        let shown = try await AgentBinary.run(["erasure", "show", "\(number)-E1"], environment: environment)
        #expect(shown.status == 0, "\(shown.stderr)")
        let listed = try await AgentBinary.run(["erasure", "list"], environment: environment)
        #expect(listed.stdout.contains("\(number)-E1"), "\(listed.stdout)\(listed.stderr)")
        // Erased once: a second erase is refused, and the chain refuses changes to the record.
        let again = try await AgentBinary.run(["erase", "--udid", phone.udid, "--certificate", number, "--yes"], environment: environment)
        #expect(again.status == 1 && again.stderr.contains("already erased"), "\(again.stderr)")
        #expect(throws: (any Error).self) { try TestPostgres.psql(url, "UPDATE erasure SET status = 'not_erased'") }
        #expect(throws: (any Error).self) { try TestPostgres.psql(url, "DELETE FROM erasure") }
        // A record altered with the triggers off no longer verifies.
        try TestPostgres.psql(url, "SET session_replication_role = replica; UPDATE erasure SET canonical = overlay(canonical placing '\\x00'::bytea from 40 for 1)")
        let altered = try await AgentBinary.run(["erasure", "show", "\(number)-E1"], environment: environment)
        #expect(altered.status == 1, "\(altered.stdout)\(altered.stderr)")
    }
}
