// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Quote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quote",
        abstract: "Prices a trade-in from the model and its condition."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`quote` is not built yet in this version.")
        }
    }
}
