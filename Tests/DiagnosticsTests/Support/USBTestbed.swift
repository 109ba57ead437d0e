// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import Testing

/// A umockdev testbed of emulated USB devices, owned by `usb_testbed.py` running under the umockdev preload,
/// and programs under test started inside it (`LD_PRELOAD` + `UMOCKDEV_DIR`).
///
/// The test process itself is not preloaded (`swift test` stays plain), so everything that talks to libusb
/// runs as a child: the built `intake-agent`, or this test bundle re-run with a filter (`runTestsInside`).
/// Close it (or let it deinit) to stop the driver and every child.
final class USBTestbed: @unchecked Sendable {
    let root: String
    private let driver: Process
    private let driverInput: FileHandle
    private let driverOutput: LineReader
    private let children = Mutex<[Process]>([])
    private let lock = NSLock()

    /// The driver script beside this file.
    static let driverScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("usb_testbed.py").path

    init() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/umockdev-wrapper")
        process.arguments = ["/usr/bin/python3", Self.driverScript]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        driver = process
        driverInput = input.fileHandleForWriting
        driverOutput = LineReader(output.fileHandleForReading)
        guard let line = driverOutput.next(timeout: 30),
            let hello = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            hello["ok"] as? Bool == true, let root = hello["root"] as? String
        else {
            process.terminate()
            throw TestbedError("the umockdev testbed driver did not start (is umockdev installed? run scripts/install-deps)")
        }
        self.root = root
    }

    deinit { close() }

    func close() {
        for child in children.withLock({ $0 }) where child.isRunning {
            child.terminate()
            child.waitUntilExit()
        }
        if driver.isRunning {
            try? driverInput.write(contentsOf: Data("{\"op\":\"quit\"}\n".utf8))
            try? driverInput.close()
            // A driver stuck in the testbed must not hang the suite: give it five seconds, then stop it.
            let deadline = Date().addingTimeInterval(5)
            while driver.isRunning && Date() < deadline { usleep(10_000) }
            if driver.isRunning { driver.terminate() }
            driver.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: - Devices

    /// Sends one command to the driver and returns its reply; throws when the driver reports a failure.
    @discardableResult
    func send(_ command: [String: any Sendable]) throws -> [String: Any] {
        lock.lock()
        defer { lock.unlock() }
        var data = try JSONSerialization.data(withJSONObject: command)
        data.append(0x0a)
        try driverInput.write(contentsOf: data)
        guard let line = driverOutput.next(timeout: 30),
            let reply = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw TestbedError("the testbed driver did not answer \(command["op"] ?? "?")") }
        guard reply["ok"] as? Bool == true else { throw TestbedError("testbed: \(reply["error"] ?? reply)") }
        return reply
    }

    /// Plugs `device` in at `portPath` with address `devnum`; returns the monotonic time of its "add" uevent.
    @discardableResult
    func plug(_ device: EmulatedDevice, id: String, at portPath: String, devnum: Int) throws -> UInt64 {
        let reply = try send(device.addCommand(id: id, portPath: portPath, devnum: devnum))
        return (reply["t_ns"] as? NSNumber)?.uint64Value ?? 0
    }

    /// Unplugs the device added as `id`: a "remove" uevent, then its sysfs entries go.
    func unplug(_ id: String) throws {
        try send(["op": "remove", "id": id])
    }

    /// Runs several commands back to back in the driver (devices plugged within the same millisecond).
    func batch(_ commands: [[String: any Sendable]]) throws -> [UInt64] {
        let reply = try send(["op": "batch", "ops": commands])
        let results = reply["results"] as? [[String: Any]] ?? []
        return results.map { ($0["t_ns"] as? NSNumber)?.uint64Value ?? 0 }
    }

    /// The root hub every emulated device hangs below.
    func plugRootHub() throws {
        try plug(.rootHub, id: "usb1", at: "usb1", devnum: 1)
    }

    // MARK: - Programs inside the testbed

    /// The environment that puts a child process inside this testbed.
    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["LD_PRELOAD"] = "libumockdev-preload.so.0"
        env["UMOCKDEV_DIR"] = root
        // Keep the child away from any usbmuxd (a real one, or the iOS tests' simulator this process points
        // USBMUXD_SOCKET_ADDRESS at): these tests are about the USB bus only.
        env["USBMUXD_SOCKET_ADDRESS"] = "UNIX:" + root + "/no-usbmuxd"
        return env
    }

    /// Starts `intake-agent` with `arguments` inside the testbed.
    func startAgent(_ arguments: [String]) throws -> ChildProcess {
        let child = try ChildProcess(executable: Self.agentBinary(), arguments: arguments, environment: environment)
        children.withLock { $0.append(child.process) }
        return child
    }

    /// Runs `intake-agent` to completion inside the testbed and returns its standard output.
    func runAgent(_ arguments: [String], timeout: TimeInterval = 60) throws -> (status: Int32, output: String) {
        let child = try startAgent(arguments)
        let output = child.readAll(timeout: timeout)
        return (child.waitForExit(timeout: timeout), output)
    }

    /// The built `intake-agent`, next to this test bundle (`swift test` builds every product first).
    static func agentBinary() throws -> String {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("intake-agent"))
        }
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(argument0.deletingLastPathComponent().appendingPathComponent("intake-agent"))
        var package = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { package.deleteLastPathComponent() }
        candidates.append(package.appendingPathComponent(".build/debug/intake-agent"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestbedError("intake-agent is not built: run `swift build` first (looked in \(candidates.map(\.path)))")
    }
}

struct TestbedError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A child process whose standard output is read line by line with timeouts.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let lines: LineReader

    /// Starts `executable`; its standard error goes to the test's, or into the same lines as its output.
    init(
        executable: String, arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        mergingStandardError: Bool = false
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = mergingStandardError ? output : FileHandle.standardError
        try process.run()
        lines = LineReader(output.fileHandleForReading)
    }

    deinit { stop() }

    /// The next JSON line as an object, or `nil` on timeout or end of output.
    func nextObject(timeout: TimeInterval = 20) -> [String: Any]? {
        while let line = lines.next(timeout: timeout) {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                return object
            }
        }
        return nil
    }

    func readAll(timeout: TimeInterval) -> String {
        var text = ""
        while let line = lines.next(timeout: timeout) { text += line + "\n" }
        return text
    }

    func waitForExit(timeout: TimeInterval) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { stop() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// Reads lines from a pipe on a thread of its own, so tests can wait for the next one with a timeout.
final class LineReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines: [String] = []
    private var finished = false

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                condition.lock()
                if chunk.isEmpty {
                    if !buffer.isEmpty { lines.append(String(decoding: buffer, as: UTF8.self)) }
                    finished = true
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0a) {
                    lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.start()
    }

    /// The next line, or `nil` after `timeout` seconds or at the end of output.
    func next(timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while lines.isEmpty && !finished {
            if !condition.wait(until: deadline) { break }
        }
        return lines.isEmpty ? nil : lines.removeFirst()
    }
}
