// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Running part of a test inside the umockdev testbed: the test bundle re-runs itself, filtered to one test,
/// with the preload on. The same `@Test` plays both roles, so nothing is ever skipped:
///
/// ```swift
/// @Test func talksToTheDevice() throws {
///     if let child = TestbedChild.current { /* libusb work against child.environment values */ return }
///     let bed = try USBTestbed(); ...; let run = try bed.runTestInside("talksToTheDevice", values: [...])
/// }
/// ```
///
/// The Android engineer's ADB-over-USB tests use the same hook with `usb_testbed.py`'s `bridge` op.
struct TestbedChild {
    static let marker = "INTAKE_USB_TESTBED_CHILD"

    /// Set inside the re-run child; `values` are what the parent passed.
    let values: [String: String]

    static var current: TestbedChild? {
        let env = ProcessInfo.processInfo.environment
        guard env[marker] == "1" else { return nil }
        var values: [String: String] = [:]
        for (key, value) in env where key.hasPrefix("INTAKE_USB_TEST_") {
            values[String(key.dropFirst("INTAKE_USB_TEST_".count))] = value
        }
        return TestbedChild(values: values)
    }

    /// Tells the parent something (it reads the child's stdout line by line).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data(("TESTBED-CHILD: " + line + "\n").utf8))
    }
}

extension USBTestbed {
    /// Starts this test bundle again inside the testbed, running only tests matching `filter`, with `values`
    /// available to the child as `TestbedChild.current?.values`.
    func startTestInside(_ filter: String, values: [String: String]) throws -> ChildProcess {
        var env = environment
        env[TestbedChild.marker] = "1"
        for (key, value) in values { env["INTAKE_USB_TEST_" + key] = value }
        let bundle = try Self.testBundle()
        return try ChildProcess(
            executable: bundle, arguments: ["--testing-library", "swift-testing", "--filter", filter], environment: env)
    }

    /// The test bundle executable this process runs from.
    static func testBundle() throws -> String {
        let candidates = [Bundle.main.executablePath, CommandLine.arguments.first].compactMap { $0 }
        for path in candidates where path.hasSuffix(".xctest") && FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw TestbedError("cannot find the test bundle to re-run inside the testbed (looked at \(candidates))")
    }
}

/// A loopback TCP peer for bridged bulk endpoints: answers every chunk it receives with `reply(chunk)`.
final class LoopbackPeer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var received: [UInt8] = []

    init(reply: @escaping @Sendable ([UInt8]) -> [UInt8]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 1) == 0 else { throw TestbedError("cannot listen on loopback") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(connection, &buffer, buffer.count)
                guard count > 0 else { return }
                let chunk = Array(buffer.prefix(count))
                lock.withLock { received += chunk }
                let answer = reply(chunk)
                _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            }
        }.start()
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Everything the host wrote so far.
    var bytesReceived: [UInt8] { lock.withLock { received } }
}
