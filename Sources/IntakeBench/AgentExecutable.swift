// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation

/// The `intake-agent` binary a benchmark measures as a process: `--agent PATH`, else the one built beside
/// `intake-bench` (`.build/release/intake-agent` for `.build/release/intake-bench`).
struct AgentExecutable: ParsableArguments {
    @Option(help: "The intake-agent binary to measure; by default the one built beside intake-bench.")
    var agent: String?

    func path() throws -> String {
        if let agent {
            guard FileManager.default.isExecutableFile(atPath: agent) else {
                throw Failure("--agent \(agent) is not an executable file: name the built intake-agent.")
            }
            return agent
        }
        let me = URL(fileURLWithPath: try Self.selfPath())
        let beside = me.deletingLastPathComponent().appendingPathComponent("intake-agent").path
        guard FileManager.default.isExecutableFile(atPath: beside) else {
            throw Failure("No intake-agent is built beside \(me.path): run `swift build -c release` (it builds both), or pass --agent PATH.")
        }
        return beside
    }

    /// This benchmark program's own path.
    static func selfPath() throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}

/// Whether this is a debug build, whose figures the benchmarks flag as not the ones that count.
enum BuildKind {
    #if DEBUG
    static let isDebug = true
    #else
    static let isDebug = false
    #endif
}
