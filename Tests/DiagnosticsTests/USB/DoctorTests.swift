// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// `intake-agent doctor` inside the testbed: one line per check, exit 1 when any fails.
@Suite(.serialized)
struct DoctorTests {
    /// The doctor's lines by check name: (passed, sentence).
    static func checks(_ output: String) -> [String: (Bool, String)] {
        var checks: [String: (Bool, String)] = [:]
        for line in output.split(separator: "\n") {
            let passed = line.hasPrefix("ok  ")
            guard passed || line.hasPrefix("FAIL") else { continue }
            let rest = line.dropFirst(6)
            checks[rest.prefix(15).trimmingCharacters(in: .whitespaces)] = (passed, String(rest.dropFirst(16)))
        }
        return checks
    }

    @Test(arguments: [true, false])
    func doctorChecksUSBPrinterUsbmuxdAndDataDirectory(printerPlugged: Bool) throws {
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try bed.plug(.samsung, id: "phone", at: "1-1", devnum: 4)
        if printerPlugged { try bed.plug(.receiptPrinter, id: "printer", at: "1-2", devnum: 5) }

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A listening socket stands in for usbmuxd.
        let socketPath = scratch.appendingPathComponent("usbmuxd").path
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0 && listen(listener, 4) == 0)

        // A data directory that cannot be created: its parent is a file.
        let blocker = scratch.appendingPathComponent("file")
        try Data().write(to: blocker)
        for (dataDir, writable) in [(scratch.appendingPathComponent("data").path, true), (blocker.path + "/data", false)] {
            let child = try ChildProcess(
                executable: USBTestbed.agentBinary(), arguments: ["doctor", "--data-dir", dataDir],
                environment: bed.environment.merging(["USBMUXD_SOCKET_ADDRESS": "UNIX:" + socketPath]) { $1 })
            let output = child.readAll(timeout: 60)
            let status = child.waitForExit(timeout: 60)
            let checks = Self.checks(output)
            #expect(Set(checks.keys) == ["udev rules", "group", "membership", "usbmuxd", "data directory", "USB bus", "printer"], "\(output)")
            #expect(checks["usbmuxd"]?.0 == true, "\(output)")
            #expect(checks["USB bus"]?.0 == true)
            #expect(checks["USB bus"]?.1.contains(printerPlugged ? "sees 2 device(s)" : "sees 1 device(s)") == true)
            #expect(checks["printer"]?.0 == printerPlugged)
            #expect(checks["printer"]?.1.contains(printerPlugged ? "POS58 Printer USB (0416:5011) is on port 1-2" : "No receipt printer") == true)
            #expect(checks["data directory"]?.0 == writable)
            #expect(checks["data directory"]?.1.hasPrefix(dataDir) == true)
            // Every line is one sentence, and the exit status says whether anything failed.
            #expect(checks.values.allSatisfy { $0.1.hasSuffix(".") })
            #expect(status == (checks.values.contains { !$0.0 } ? 1 : 0))
        }
        // Nothing answering at the configured address is a failure with what to do.
        let child = try ChildProcess(
            executable: USBTestbed.agentBinary(), arguments: ["doctor", "--data-dir", scratch.path],
            environment: bed.environment.merging(["USBMUXD_SOCKET_ADDRESS": "UNIX:" + socketPath + ".none"]) { $1 })
        let checks = Self.checks(child.readAll(timeout: 60))
        #expect(child.waitForExit(timeout: 60) == 1)
        #expect(checks["usbmuxd"]?.0 == false)
        #expect(checks["usbmuxd"]?.1.contains("Nothing answers") == true)
    }
}
