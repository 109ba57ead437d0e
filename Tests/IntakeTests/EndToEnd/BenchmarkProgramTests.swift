// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// The benchmarks are a program of their own (`intake-bench`), built beside the agent and never installed: the
/// shipped `intake-agent` has no `bench` command and carries nothing that compiles C or runs Python.
@Suite("Benchmarks outside the product")
struct BenchmarkProgramTests {
    @Test func theAgentHasNoBenchCommandAndNothingThatRunsGccOrPython() async throws {
        let bench = try await AgentBinary.run(["bench", "grading"])
        #expect(bench.status == 64, "a usage error: \(bench.stderr)")
        #expect(bench.stderr.contains("unexpected argument"), "\(bench.stderr)")
        let help = try await AgentBinary.run(["--help"])
        #expect(help.status == 0)
        let subcommands = help.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        #expect(subcommands.contains("  demo "), "\(help.stdout)")
        #expect(!subcommands.contains("  bench "), "\(help.stdout)")
        // What the benchmarks start (bench/usb's floor through gcc, its driver through Python under umockdev).
        let binary = try Data(contentsOf: AgentBinary.url())
        for needle in ["/usr/bin/gcc", "/usr/bin/python3", "umockdev-wrapper", "bench_usb.py", "hotplug_floor"] {
            #expect(binary.range(of: Data(needle.utf8)) == nil, "intake-agent still carries \(needle)")
        }
    }

    @Test func intakeBenchListsTheBenchmarksAndRunsOne() async throws {
        let help = try await AgentBinary.run(["--help"], program: "intake-bench")
        #expect(help.status == 0)
        for name in ["grading", "usb", "ios", "android", "registry", "intake", "daemon", "erase"] {
            #expect(help.stdout.contains("  \(name) "), "intake-bench --help lacks \(name): \(help.stdout)")
        }
        let run = try await AgentBinary.run(["grading", "--seconds", "0.2", "--loads", "1", "--json"], program: "intake-bench")
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((figures["catalog_models"] as? Int ?? 0) > 100)
        #expect((figures["quotes"] as? Int ?? 0) > 0)
        #expect(figures["target_quote_ms"] as? Double == 1)
    }

    @Test func theEraseBenchmarkErasesTheSimulatedIPhoneToASignedRecord() async throws {
        let run = try await AgentBinary.run(["erase", "--runs", "2", "--json"], program: "intake-bench")
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(figures["all_erased"] as? Bool == true)
        #expect(figures["runs"] as? Int == 2)
        #expect(figures["target_seconds"] as? Double == 1)
    }

    /// A benchmark that measures the agent as a process finds the one built beside it, and says so when told
    /// to use one that is not there.
    @Test func intakeBenchNamesAMissingAgentInOneSentence() async throws {
        let run = try await AgentBinary.run(
            ["ios", "--agent", "/nonexistent/intake-agent", "--runs", "1"], program: "intake-bench")
        #expect(run.status == 1)
        #expect(run.stderr == "intake-bench: --agent /nonexistent/intake-agent is not an executable file: name the built intake-agent.\n")
    }
}
