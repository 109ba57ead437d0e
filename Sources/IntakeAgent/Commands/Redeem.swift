// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Redeem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeem",
        abstract: "Splits a certificate over a Contract Phone purchase."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`redeem` is not built yet in this version.")
        }
    }
}
