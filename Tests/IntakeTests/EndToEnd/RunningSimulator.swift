// SPDX-License-Identifier: Apache-2.0
//
// `intake-agent simulate` as a test run starts it: the built binary in a child process, its stdout lines (the
// environment line and flags) read, stopped with a real signal.

import Foundation
import Testing

/// A running `intake-agent simulate` with its sockets in a short temporary directory of its own.
final class RunningSimulator: @unchecked Sendable {
    let agent: ChildAgent
    let directory: URL
    let control: String
    let usbmuxdSocket: String

    /// Starts `simulate` with `arguments` (profiles, faults) and waits until it has printed its lines.
    init(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        // /tmp, not a long temporary path: a UNIX socket path must stay under 108 bytes.
        directory = URL(fileURLWithPath: "/tmp/sim-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        usbmuxdSocket = directory.appendingPathComponent("usbmuxd").path
        control = directory.appendingPathComponent("control").path
        agent = try ChildAgent(["simulate", "--usbmuxd-socket", usbmuxdSocket, "--control", control] + arguments)
        guard agent.waitForLine(startingWith: "--control ", seconds: 30, sourceLocation: sourceLocation) != nil else {
            throw CocoaError(.fileNoSuchFile)
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var stderrLines: [String] { agent.stderrLines }

    /// The `USBMUXD_SOCKET_ADDRESS` value it printed.
    var socketAddress: String {
        agent.stdoutLines.first { $0.hasPrefix("USBMUXD_SOCKET_ADDRESS=") }.map { String($0.dropFirst("USBMUXD_SOCKET_ADDRESS=".count)) } ?? ""
    }

    /// The `--adb-tcp` endpoints it printed, in profile order.
    var adbEndpoints: [String] {
        agent.stdoutLines.filter { $0.hasPrefix("--adb-tcp ") }.map { String($0.dropFirst("--adb-tcp ".count)) }
    }

    /// `intake-agent simulate ctl --control PATH ARGS...`.
    func ctl(_ arguments: String...) throws -> AgentBinary.Run {
        try AgentBinary.runBlocking(["simulate", "ctl", "--control", control] + arguments)
    }

    /// SIGTERM: the exit code, or `nil` when a signal ended it or it did not end in time.
    func stop() -> Int32? { agent.stop(SIGTERM, within: 15) }
}
