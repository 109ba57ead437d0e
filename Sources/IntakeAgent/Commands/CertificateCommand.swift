// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Issues, shows, lists, verifies, voids and redeems certificates."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("`certificate` is not built yet in this version.")
        }
    }
}
