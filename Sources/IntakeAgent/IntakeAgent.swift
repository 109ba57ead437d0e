// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Diagnostics

/// The process's entry: SIGPIPE is ignored before anything else runs (BrokenPipes), then the command line.
@main
enum Entry {
    static func main() async {
        BrokenPipes.ignore()
        await IntakeAgent.main()
    }
}

/// The `intake-agent` command. No default subcommand: a bare `intake-agent` prints help rather than starting
/// the daemon. The benchmarks are a program of their own, `intake-bench`, not shipped with the agent.
struct IntakeAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake-agent",
        abstract: "The trade-in bench agent: detects, reads, grades and certifies customers' old phones.",
        version: AgentVersion.string,
        subcommands: [
            Demo.self, Run.self, Devices.self, Doctor.self, Inspect.self,
            Quote.self, CatalogCommand.self, Redeem.self,
            IntakeCommand.self, CertificateCommand.self, Print.self, ConsultantCommand.self, RegistryCommand.self, Erase.self, ErasureCommand.self, Simulate.self,
        ]
    )
}

enum AgentVersion {
    static let string = "0.1.0"
}
