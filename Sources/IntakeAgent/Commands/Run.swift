// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs the bench daemon: hotplug, sessions and registry."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`run` is not built yet in this version.")
        }
    }
}
