// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct BenchIOS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ios",
        abstract: "A full iPhone inspect against the simulator, against a shell script of the same reads."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("The `ios` benchmark is not built yet in this version.")
        }
    }
}
