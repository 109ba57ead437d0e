// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Reads one device's facts."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`inspect` is not built yet in this version.")
        }
    }
}
