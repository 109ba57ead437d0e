// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Runs the built `intake-agent` (beside this test bundle) as a child process, the way a script on the bench does;
/// `program:` names another product built beside it (`intake-bench`).
enum AgentBinary {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func url(program: String = "intake-agent") throws -> URL {
        let me = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        var directory = me.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(program)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "\(program) is not built beside \(me.path): run `swift build` first."])
    }

    /// The program started with `arguments`, its output and error on pipes, no standard input. With
    /// `defaultSIGPIPE` it gets SIGPIPE's default action back (the test runner ignores it), as a shell or systemd
    /// starts it.
    static func start(
        _ arguments: [String], environment extra: [String: String] = [:], program: String = "intake-agent", defaultSIGPIPE: Bool = false
    ) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        if defaultSIGPIPE {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["--default-signal=PIPE", try url(program: program).path] + arguments
        } else {
            process.executableURL = try url(program: program)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    static func run(_ arguments: [String], environment extra: [String: String] = [:], program: String = "intake-agent")
        async throws -> Run
    {
        let (process, out, err) = try start(arguments, environment: extra, program: program)
        // Read both pipes while the child runs, so a large slip never blocks it on a full pipe.
        async let stdout = Task.detached { out.fileHandleForReading.readDataToEndOfFile() }.value
        async let stderr = Task.detached { err.fileHandleForReading.readDataToEndOfFile() }.value
        let (o, e) = await (stdout, stderr)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// `run` for synchronous tests, for commands whose error output is small (it is read after the output).
    static func runBlocking(_ arguments: [String], environment extra: [String: String] = [:], program: String = "intake-agent") throws -> Run {
        let (process, out, err) = try start(arguments, environment: extra, program: program)
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
