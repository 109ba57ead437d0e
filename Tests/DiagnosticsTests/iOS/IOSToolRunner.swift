// SPDX-License-Identifier: Apache-2.0
//
// Runs libimobiledevice-utils' command-line clients against a simulator, as a bench shell script would.

import Foundation

/// The result of one child process.
struct IOSToolResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The signal that ended the child, `nil` when it exited by itself (`status` is then its exit code).
    var signal: Int32? = nil
}

enum IOSToolRunner {
    /// Runs `tool` (a name in /usr/bin, or a path) with `USBMUXD_SOCKET_ADDRESS` pointing at the simulator; the
    /// child is waited for.
    static func run(_ tool: String, _ arguments: [String], socketAddress: String) throws -> IOSToolResult {
        let process = Process()
        // The test runner ignores SIGPIPE and a child inherits that; `env --default-signal` gives the child the
        // default action back, as a shell or systemd starts it, so a broken pipe would kill it as in the field.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal=PIPE", tool.hasPrefix("/") ? tool : "/usr/bin/" + tool] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["USBMUXD_SOCKET_ADDRESS"] = socketAddress
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return IOSToolResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil)
    }
}
