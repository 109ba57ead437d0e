// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The built `intake-agent` on a pseudo-terminal, as a consultant runs it: util-linux `script` gives it a pty
/// (so `isatty(0)` is true and the terminal echoes what is typed unless the agent turns echo off), the test types
/// lines into it and reads the screen.
final class TerminalAgent: @unchecked Sendable {
    private let process: Process
    private let input: FileHandle
    private let screen = Screen()
    /// Where the screen had got to when a line was last typed (``nextPrompt(seconds:)`` looks after it).
    private let mark = Screen()

    /// What the terminal showed, appended by the reading thread and read by the test.
    private final class Screen: @unchecked Sendable {
        private let lock = NSLock()
        private var value = ""
        func append(_ text: String) { lock.withLock { value += text } }
        func set(_ text: String) { lock.withLock { value = text } }
        var text: String { lock.withLock { value } }
    }

    init(_ arguments: [String], environment extra: [String: String] = [:]) throws {
        let binary = try AgentBinary.url().path
        let command = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // -q quiet, -f flush at once, -e the agent's exit status, -c the command; no typescript file.
        process.arguments = ["-qfec", command, "/dev/null"]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        environment["TERM"] = "dumb"
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        input = stdin.fileHandleForWriting
        let handle = stdout.fileHandleForReading
        let screen = self.screen
        Thread.detachNewThread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                screen.append(String(decoding: chunk, as: UTF8.self))
            }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Everything the terminal showed so far, line breaks as `\n`.
    var text: String { screen.text.replacingOccurrences(of: "\r\n", with: "\n") }

    /// Types `line` and Enter.
    func type(_ line: String) {
        mark.set(text)
        // The agent may already have ended: a write to its closed pipe must fail with EPIPE, not end the whole
        // test process by SIGPIPE. The signal is blocked on this thread for the write, and taken if it came.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(input.fileDescriptor, $0.baseAddress, $0.count) }
        var now = timespec(tv_sec: 0, tv_nsec: 0)
        while sigtimedwait(&pipeSignal, nil, &now) > 0 {}
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }

    /// Waits for the agent to stop at a question (the screen since the last typed line ends with `: `) and returns
    /// that question's line; `nil` when none came within `seconds` or the agent ended.
    func nextPrompt(seconds: Double = 60) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let all = text
            let since = String(all.dropFirst(mark.text.count))
            if since.hasSuffix(": ") || since.hasSuffix("]: ") {
                return since.split(separator: "\n").last.map(String.init)
            }
            if !process.isRunning { return nil }
            usleep(20_000)
        }
        return nil
    }

    /// Waits until the screen shows `text`.
    func waitFor(_ wanted: String, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if text.contains(wanted) { return true }
            usleep(20_000)
        }
        return false
    }

    /// Waits for the agent to end; its exit status, or `nil` when it is still running after `seconds` (it is then
    /// killed).
    func exitStatus(seconds: Double = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        try? input.close()
        return process.terminationStatus
    }
}
