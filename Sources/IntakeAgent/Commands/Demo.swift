// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Runs the whole flow end to end on built-in simulated devices and prints the certificate slip."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`demo` is not built yet in this version.")
        }
    }
}
