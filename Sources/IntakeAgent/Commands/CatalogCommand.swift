// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Lists the models in the price catalog."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`catalog` is not built yet in this version.")
        }
    }
}
