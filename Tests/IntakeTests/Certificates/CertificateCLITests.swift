// SPDX-License-Identifier: Apache-2.0
import Foundation
import IntakeStore
import Testing

/// `intake-agent certificate …` and `intake-agent print` as a technician or a script runs them: the built binary,
/// a temporary data directory, exit codes and one-sentence errors.
struct CertificateCLITests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    func agent(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try AgentBinary.url()
        process.arguments = arguments + ["--data-dir", directory.url.path]
        let out = directory.path("stdout-\(UUID().uuidString)")
        let err = directory.path("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Run(
            status: process.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8),
            stderr: try String(contentsOfFile: err, encoding: .utf8))
    }

    func issue(imei: String = "352094117788999", extra: [String] = []) throws -> Run {
        try agent([
            "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--imei", imei,
            // 141 000 KZT: the rules' offer for an iPhone 11 graded ok/B at its largest storage (157 000 × 90%).
            "--amount", "141000", "--grade", "B", "--holder-name", "Иванова Әлия", "--iin", "900101300007",
            "--birth-date", "1990-01-01", "--consultant", "aigerim", "--json",
        ] + extra)
    }

    func number(_ run: Run) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return try #require(object?["number"] as? String)
    }

    @Test func issuePrintReprintAndVerifyFromTheCommandLine() throws {
        let issued = try issue()
        #expect(issued.status == 0, "\(issued.stderr)")
        let number = try number(issued)
        #expect(issued.stdout.contains("\"holder_iin\" : \"90010130****\""))
        #expect(!issued.stdout.contains("900101300007"))

        let duplicate = try issue()
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr == "intake-agent: This device (imei:352094117788999) already has a certificate (\(number), issued): one device gives one certificate.\n")

        // A printer that is not there: one sentence, and the certificate stays issued and printable.
        let missing = try agent(["print", number, "--format", "escpos", "--output", "/dev/usb/lp-intake-test-missing"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("intake-agent: No printer at /dev/usb/lp-intake-test-missing"))
        #expect(missing.stderr.split(separator: "\n").count == 1)
        // A printer that fails mid-write (/dev/full answers every write with ENOSPC).
        let failing = try agent(["print", number, "--format", "escpos", "--output", "/dev/full"])
        #expect(failing.status == 1)
        #expect(failing.stderr.contains("stopped taking data"))

        let slip = directory.path("slip.bin")
        let printed = try agent(["print", number, "--format", "escpos", "--width", "32", "--output", slip])
        #expect(printed.status == 0, "\(printed.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: slip))
        #expect(bytes.starts(with: [0x1B, 0x40, 0x1B, 0x74, 53]))

        let noReason = try agent(["print", number, "--output", slip])
        #expect(noReason.status == 1)
        #expect(noReason.stderr.contains("give --reason for the reprint"))
        let reprinted = try agent(["print", number, "--output", slip, "--reason", "customer lost it"])
        #expect(reprinted.status == 0, "\(reprinted.stderr)")

        let shown = try agent(["certificate", "show", number, "--json"])
        #expect(shown.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let audit = try #require(object["audit"] as? [[String: Any]])
        #expect(audit.compactMap { $0["event"] as? String } == [
            "certificate.issued", "certificate.print_failed", "certificate.print_failed", "certificate.printed",
            "certificate.reprinted",
        ])
        #expect((audit[1]["reason"] as? String)?.hasPrefix("No printer at") == true)
        #expect(audit.last?["reason"] as? String == "customer lost it")
        let certificate = try #require(object["certificate"] as? [String: Any])
        #expect(certificate["status"] as? String == "printed")
        #expect(certificate["print_count"] as? Int == 2)

        // Offline verification of the QR payload against a key list, from another bench with no registry.
        let payload = try #require(object["payload"] as? String)
        let key = try agent(["certificate", "key"])
        let keys = directory.path("chain-keys.txt")
        try "# chain\n\(key.stdout)".write(toFile: keys, atomically: true, encoding: .utf8)
        let elsewhere = try TemporaryDirectory()
        let offline = try agentElsewhere(elsewhere, ["certificate", "verify", payload, "--keys", keys, "--on", "2026-12-01"])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout.contains("is genuine"))
        let unknownKey = try agentElsewhere(elsewhere, ["certificate", "verify", payload, "--on", "2026-12-01"])
        #expect(unknownKey.status == 1)
        #expect(unknownKey.stderr.contains("not in the key list"))
        var altered = Array(payload)
        altered[40] = altered[40] == "A" ? "B" : "A"
        let forged = try agentElsewhere(elsewhere, ["certificate", "verify", String(altered), "--keys", keys, "--on", "2026-12-01"])
        #expect(forged.status == 1)
        #expect(forged.stderr.contains("FAILS verification") || forged.stderr.contains("neither a certificate number"))

        let void = try agent(["certificate", "void", number, "--reason", "wrong holder name"])
        #expect(void.status == 0, "\(void.stderr)")
        let verifyVoided = try agent(["certificate", "verify", number])
        #expect(verifyVoided.status == 1)
        #expect(verifyVoided.stderr.contains("genuine but voided"))
        // The device is free again.
        #expect(try issue().status == 0)
    }

    private func agentElsewhere(_ other: TemporaryDirectory, _ arguments: [String]) throws -> Run {
        let cli = CertificateCLITests(directory: other)
        return try cli.agent(arguments)
    }

    private init(directory: TemporaryDirectory) {
        self.directory = directory
    }

    @Test func redeemRecordsTheSplitOnceAndBadInputGetsOneSentence() throws {
        let number = try number(try issue())
        let redeem = ["certificate", "redeem", number, "--price", "600000", "--min-prepayment", "60000",
                      "--max-prepayment", "300000", "--months", "12", "--json"]
        let first = try agent(redeem)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"status\" : \"redeemed\""))
        let second = try agent(redeem)
        #expect(second.status == 1)
        #expect(second.stderr.contains("already been redeemed"))

        for (arguments, sentence) in [
            (["certificate", "show", "ALA-2611-7K2222"], "not a certificate number"),
            (["print", number, "--width", "40"], "neither 48"),
            (["certificate", "issue", "--store", "NOWHERE", "--model", "iPhone 11", "--imei", "352094117788981", "--amount", "1",
              "--grade", "B", "--holder-name", "X", "--iin", "900101300007", "--birth-date", "1990-01-01"], "No store \"NOWHERE\""),
        ] {
            let run = try agent(arguments)
            #expect(run.status == 1, "\(arguments)")
            #expect(run.stderr.contains(sentence), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        }
    }
}
