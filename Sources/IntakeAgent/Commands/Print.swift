// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Print: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Prints a certificate slip."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`print` is not built yet in this version.")
        }
    }
}
