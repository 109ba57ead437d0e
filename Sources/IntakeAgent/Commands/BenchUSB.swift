// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct BenchUSB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usb",
        abstract: "Hotplug latency under umockdev and idle CPU use."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            throw Failure("The `usb` benchmark is not built yet in this version.")
        }
    }
}
