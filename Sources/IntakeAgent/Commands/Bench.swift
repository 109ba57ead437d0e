// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Runs the benchmarks and prints their figures."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`bench` is not built yet in this version.")
        }
    }
}
