// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct BenchGrading: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grading",
        abstract: "Quotes per second on one core and the catalog's load time."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("The `grading` benchmark is not built yet in this version.")
        }
    }
}
