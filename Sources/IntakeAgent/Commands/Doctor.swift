// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Checks the bench setup and says what to fix."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`doctor` is not built yet in this version.")
        }
    }
}
