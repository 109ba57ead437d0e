// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct BenchAndroid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "android",
        abstract: "A full Android inspect against the simulated adbd, against the real adb."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("The `android` benchmark is not built yet in this version.")
        }
    }
}
