// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct BenchRegistry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Certificate issuance throughput and plug-to-certificate time."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("The `registry` benchmark is not built yet in this version.")
        }
    }
}
