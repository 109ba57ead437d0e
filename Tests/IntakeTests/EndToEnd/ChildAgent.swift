// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// The built `intake-agent` running in a child process until the test stops it (`simulate`, `demo --console`),
/// SIGPIPE at its default action as a shell starts it, its stdout and stderr collected line by line.
final class ChildAgent: @unchecked Sendable {
    let process: Process
    private let out = JournalLines()
    private let err = JournalLines()

    init(_ arguments: [String]) throws {
        let (process, stdout, stderr) = try AgentBinary.start(arguments, defaultSIGPIPE: true)
        self.process = process
        out.collect(stdout.fileHandleForReading)
        err.collect(stderr.fileHandleForReading)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var stdoutLines: [String] { out.all }
    var stderrLines: [String] { err.all }

    /// Waits for a stdout line starting with `prefix` (while the child runs); fails the test with both outputs when none comes.
    @discardableResult
    func waitForLine(startingWith prefix: String, seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = out.all.first(where: { $0.hasPrefix(prefix) }) { return line }
            if !process.isRunning { break }
            usleep(20_000)
        }
        Issue.record(
            "no stdout line starting with \(prefix):\n\(out.all.joined(separator: "\n"))\n\(err.all.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
        return nil
    }

    /// Sends `signal` and waits: the exit code, or `nil` when a signal ended it or it did not end in time.
    func stop(_ signal: Int32 = SIGTERM, within seconds: Double = 25) -> Int32? {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        guard !process.isRunning, process.terminationReason == .exit else { return nil }
        return process.terminationStatus
    }
}
