// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Runs one intake session in a terminal or from an answers file."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`intake` is not built yet in this version.")
        }
    }
}
