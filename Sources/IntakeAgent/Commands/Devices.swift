// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Lists the phones and printers on the USB bus."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`devices` is not built yet in this version.")
        }
    }
}
