// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Foundation
import Testing

/// The guided reset of an Android phone outside Trade-In Mode, at a terminal: `intake-agent erase` under a
/// pseudo-terminal (``TerminalAgent``), the consultant's answers typed when asked, our ADB engine against the simulated adbd.
@Suite("Guided reset at the terminal")
struct EraseGuidedResetTests {
    func lastRecord(_ bench: BenchCLI) async throws -> [String: Any] {
        let list = try await bench.run(["erasure", "list", "--json"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], "\(list.stderr)")
        return try #require(records.first)
    }

    @Test func aResetPhoneThatNoLongerAnswersIsErasedUnverifiedOnTheConsultantsWord() async throws {
        let simulator = ADBDeviceSimulator(.init(profile: .xiaomiRedmiNote10, auth: .trusting([], onNewKey: .allowAfter(.zero))))
        let port = try simulator.listen()
        defer { simulator.stop() }
        let (bench, number) = try await BenchCLI.certifiedAndroid(serial: "a1b2c3d4", imei: ["864532055512344"])

        let terminal = try TerminalAgent([
            "erase", "--adb-tcp", "127.0.0.1:\(port)", "--certificate", number, "--yes", "--return-timeout", "2",
            "--data-dir", bench.dataDir.path,
        ])
        #expect(terminal.waitFor("Type done"), "\(terminal.text)")
        #expect(terminal.text.contains("Settings › About phone › Factory reset"), "Xiaomi's path: \(terminal.text)")
        // The consultant resets the phone: adb over TCP is gone with it.
        simulator.stop()
        terminal.type("done")
        let status = terminal.exitStatus()
        #expect(status == 1, "\(terminal.text)")
        let record = try await lastRecord(bench)
        #expect(record["status"] as? String == "erased_unverified")
        #expect(record["method"] as? String == "guided_reset")
        #expect(record["sanitization"] as? String == "clear")
        let verification = try #require(record["verification"] as? [String: Any])
        #expect((verification["by_consultant_only"] as? [String])?.contains { $0.contains("reset the phone from its Settings") } == true)
        #expect((verification["by_device"] as? [String])?.contains { $0.contains("no longer answered ADB") } == true, "\(verification)")
        #expect(!simulator.servicesRequested.contains { $0.contains("tradeinmode evaluate") })
    }

    @Test func aPhoneThatStillTrustsTheBenchAfterTheConfirmationIsNotErased() async throws {
        let simulator = ADBDeviceSimulator(.init(profile: .samsungS10, auth: .trusting([], onNewKey: .allowAfter(.zero))))
        let port = try simulator.listen()
        defer { simulator.stop() }
        let (bench, number) = try await BenchCLI.certifiedAndroid(serial: "R58M42ABCDE", imei: ["357098101234568"])

        let terminal = try TerminalAgent([
            "erase", "--adb-tcp", "127.0.0.1:\(port)", "--certificate", number, "--return-timeout", "5",
            "--data-dir", bench.dataDir.path,
        ])
        // Without --yes the consultant is asked first.
        #expect(terminal.waitFor("The customer must be present and agree."), "\(terminal.text)")
        terminal.type("yes")
        #expect(terminal.waitFor("Type done"), "\(terminal.text)")
        #expect(terminal.text.contains("Settings › General management › Reset"), "Samsung's path: \(terminal.text)")
        terminal.type("done")
        let status = terminal.exitStatus()
        #expect(status == 1, "\(terminal.text)")
        let record = try await lastRecord(bench)
        #expect(record["status"] as? String == "not_erased")
        #expect((record["reason"] as? String)?.contains("still trusts this bench") == true, "\(record)")
        #expect((record["reason"] as? String)?.contains("com.google") == true, "\(record)")
    }

    @Test func aGuidedResetWithoutATerminalIsRefused() async throws {
        let simulator = ADBDeviceSimulator(.init(profile: .xiaomiRedmiNote10, auth: .trusting([], onNewKey: .allowAfter(.zero))))
        let port = try simulator.listen()
        defer { simulator.stop() }
        let (bench, number) = try await BenchCLI.certifiedAndroid(serial: "a1b2c3d4", imei: ["864532055512344"])
        let run = try await bench.run(["erase", "--adb-tcp", "127.0.0.1:\(port)", "--certificate", number, "--yes"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("resets it from Settings"), "\(run.stderr)")
        let list = try await bench.run(["erasure", "list", "--json"])
        #expect(list.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || list.stdout.contains("[]"), "\(list.stdout)")
    }
}

extension BenchCLI {
    /// A certificate for an Android phone by its serial (and IMEIs), in a fresh data directory.
    static func certifiedAndroid(serial: String, imei: [String]) async throws -> (BenchCLI, String) {
        let bench = try BenchCLI()
        let run = try await bench.run([
            "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "Galaxy S20", "--amount", "10000",
            "--grade", "ok/B", "--holder-name", "Иванова Әлия", "--iin", "900101300007", "--birth-date", "1990-01-01",
            "--serial", serial, "--json",
        ] + imei.flatMap { ["--imei", $0] })
        return (bench, try number(run))
    }
}
