// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

/// `intake-bench`: the benchmarks, a program of their own beside `intake-agent` and never installed with it (some
/// compile C with gcc or drive Python under umockdev). They live here, never as timing assertions inside tests.
/// Each prints its figures and the baseline it is measured against; `--json` prints them as one object. The ones
/// that measure the agent as a process run the `intake-agent` built beside this program (`--agent PATH` names
/// another).
@main
struct IntakeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake-bench",
        abstract: "Runs intake-agent's benchmarks and prints their figures.",
        subcommands: [BenchGrading.self, BenchUSB.self, BenchIOS.self, BenchAndroid.self, BenchRegistry.self, BenchChain.self, BenchIntake.self, BenchDaemon.self, BenchErase.self]
    )
}
