// SPDX-License-Identifier: Apache-2.0
//
// Runs libimobiledevice-utils' command-line clients against a simulator, as a bench shell script would.

import Foundation

/// The result of one child process.
struct IOSToolResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum IOSToolRunner {
    /// Runs `tool` (a name in /usr/bin, or a path) with `USBMUXD_SOCKET_ADDRESS` pointing at the simulator; the
    /// child is waited for.
    static func run(_ tool: String, _ arguments: [String], socketAddress: String) throws -> IOSToolResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool.hasPrefix("/") ? tool : "/usr/bin/" + tool)
        process.arguments = arguments
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
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
