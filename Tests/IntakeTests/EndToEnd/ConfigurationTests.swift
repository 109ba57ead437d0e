// SPDX-License-Identifier: Apache-2.0
//
// One configuration for every command: the calculators honour the same file as intake and the daemon.

import DeviceSimulators
import Foundation
import Testing

@Suite("the configuration file, the same for every command")
struct ConfigurationTests {
    static func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a rule setting in the file switches the rule on for quote and catalog, by the name --setting takes")
    func settingsInTheFile() async throws {
        let config = try Self.file(#"{"settings": ["accept_iphone_se_3rd_generation"]}"#)
        let withFile = try await AgentBinary.run(["quote", "--config", config, "--model", "iPhone14,6", "--storage", "128", "--cosmetic", "B", "--json"])
        let withFlag = try await AgentBinary.run(["quote", "--setting", "accept_iphone_se_3rd_generation", "--model", "iPhone14,6", "--storage", "128", "--cosmetic", "B", "--json"])
        let without = try await AgentBinary.run(["quote", "--model", "iPhone14,6", "--storage", "128", "--cosmetic", "B", "--json"])
        #expect(withFile.status == 0, "\(withFile.stderr)")
        #expect(withFile.stdout == withFlag.stdout)
        #expect(without.status == 1)
        let listed = try await AgentBinary.run(["catalog", "--config", config, "--eligible-only", "--brand", "Apple"])
        #expect(listed.stdout.contains("iPhone SE (3rd generation)"), "\(listed.stdout)")
    }

    @Test("the older boolean spelling is still read as the setting")
    func olderSpelling() async throws {
        let config = try Self.file(#"{"accept_se_3rd_generation": true}"#)
        let quote = try await AgentBinary.run(["quote", "--config", config, "--model", "iPhone14,6", "--storage", "128", "--cosmetic", "B"])
        #expect(quote.status == 0, "\(quote.stderr)")
    }

    @Test("a named file that is missing, or names an unknown setting, is one sentence and exit 1, never the defaults",
          arguments: ["catalog", "quote"])
    func missingOrWrongFile(command: String) async throws {
        let extra = command == "quote" ? ["--model", "iPhone 11", "--storage", "128", "--cosmetic", "B"] : []
        let missing = try await AgentBinary.run([command, "--config", "/nonexistent/intake-agent.json"] + extra)
        #expect(missing.status == 1)
        #expect(missing.stderr == "intake-agent: The configuration file /nonexistent/intake-agent.json does not exist; create it or drop the --config option.\n")
        let wrong = try Self.file(#"{"settings": ["accept_everything"]}"#)
        let refused = try await AgentBinary.run([command, "--config", wrong] + extra)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("names an unknown setting accept_everything"), "\(refused.stderr)")
    }

    @Test("certificate issue reads the same rule settings as quote: the SE 3rd generation is refused without, issued with")
    func certificateIssueHonoursTheSettings() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("config-issue-\(UUID().uuidString)")
        let issue = ["certificate", "issue", "--data-dir", dir.path, "--store", "ALA-MEGA2", "--model", "iPhone14,6",
            "--amount", "50000", "--grade", "ok/B", "--holder-name", "Айгерим Сапарова", "--iin", "900101300007",
            "--birth-date", "1990-01-01", "--imei", "352094117788999", "--json"]
        let refused = try await AgentBinary.run(issue)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("accept_iphone_se_3rd_generation"), "\(refused.stderr)")
        let config = try Self.file(#"{"settings": ["accept_iphone_se_3rd_generation"]}"#)
        let issued = try await AgentBinary.run(issue + ["--config", config])
        #expect(issued.status == 0, "\(issued.stderr)")
    }

    /// The built-in catalog with the iPhone 11 128 GB market price changed, so that only a command that reads the
    /// configuration's catalog_path gives its offer.
    static func editedCatalog() throws -> String {
        var package = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { package.deleteLastPathComponent() }
        let data = try Data(contentsOf: package.appendingPathComponent("data/catalog.json"))
        var catalog = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var models = try #require(catalog["models"] as? [[String: Any]])
        let index = try #require(models.firstIndex { $0["name"] as? String == "iPhone 11" })
        models[index]["prices"] = [["storage_gb": 64, "market_price": 150000], ["storage_gb": 128, "market_price": 200000]]
        catalog["models"] = models
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: catalog).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("quote and intake give the same offer from the configuration's catalog for the same phone and answers")
    func sameOfferEverywhere() async throws {
        let config = try Self.file(#"{"store_id": "ALA-MEGA2", "catalog_path": "\#(try Self.editedCatalog())"}"#)
        let quote = try await AgentBinary.run(
            ["quote", "--config", config, "--model", "iPhone 11", "--storage", "128", "--cosmetic", "B", "--box", "--charger", "--battery", "85", "--json"])
        #expect(quote.status == 0, "\(quote.stderr)")
        let quoted = try #require((try JSONSerialization.jsonObject(with: Data(quote.stdout.utf8)) as? [String: Any])?["amount"] as? Int)
        #expect(quoted > 133_000, "the edited catalog was not read: \(quoted)")

        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        simulator.attach(phone, alreadyPaired: true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("config-intake-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let answers = try IOSIntakeEndToEndTests.answersFile(in: dir)
        let intake = try await AgentBinary.run(
            ["intake", "--config", config, "--data-dir", dir.path, "--udid", phone.udid, "--answers", answers, "--json"],
            environment: ["USBMUXD_SOCKET_ADDRESS": simulator.socketAddress])
        #expect(intake.status == 0, "\(intake.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(intake.stdout.utf8)) as? [String: Any])
        let certificate = try #require(json["certificate"] as? [String: Any], "\(intake.stdout)")
        #expect(certificate["amount_kzt"] as? Int == quoted, "\(certificate)")
    }
}
