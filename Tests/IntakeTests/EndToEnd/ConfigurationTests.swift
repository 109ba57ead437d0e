// SPDX-License-Identifier: Apache-2.0
//
// One configuration for every command: the calculators honour the same file as intake and the daemon.

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
}
