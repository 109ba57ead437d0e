// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

/// Benchmarks live here, never as timing assertions inside tests. Each prints its figures and the baseline it
/// is measured against; `--json` prints them as one object.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Runs the benchmarks and prints their figures.",
        subcommands: [BenchGrading.self, BenchUSB.self, BenchIOS.self, BenchAndroid.self, BenchRegistry.self, BenchIntake.self]
    )
}
