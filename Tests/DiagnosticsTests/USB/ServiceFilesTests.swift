// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// systemd/intake-agent.service and udev/intake-agent.sysusers, checked by systemd's own tools
/// (`systemd-analyze verify`, `systemd-sysusers --dry-run`) and for the settings the bench depends on.
struct ServiceFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../..").standardized

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let child = try ChildProcess(executable: executable, arguments: arguments, mergingStandardError: true)
        let output = child.readAll(timeout: 60)
        return (child.waitForExit(timeout: 60), output)
    }

    /// `[Section] Key=value` pairs, in order.
    static func settings(_ text: String) -> [(section: String, key: String, value: String)] {
        var section = ""
        var result: [(String, String, String)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if line.hasPrefix("[") { section = String(line.dropFirst().dropLast()); continue }
            guard let equals = line.firstIndex(of: "=") else { continue }
            result.append((section, String(line[..<equals]), String(line[line.index(after: equals)...])))
        }
        return result
    }

    @Test func unitIsValidForSystemdAndHardenedAsTheBenchNeeds() throws {
        let unit = Self.repository.appendingPathComponent("systemd/intake-agent.service")
        let text = try String(contentsOf: unit, encoding: .utf8)
        #expect(text.hasPrefix("# SPDX-License-Identifier: Apache-2.0\n"))
        let settings = Self.settings(text)
        func value(_ section: String, _ key: String) -> String? {
            settings.last { $0.section == section && $0.key == key }?.value
        }
        #expect(value("Service", "ExecStart") == "/usr/local/bin/intake-agent run")
        #expect(value("Service", "User") == "intake")
        #expect(value("Service", "Group") == "intake")
        #expect(value("Service", "StateDirectory") == "intake-agent")
        #expect(value("Service", "PrivateDevices") == "no")
        #expect(value("Service", "RestrictAddressFamilies") == "AF_UNIX AF_NETLINK AF_INET AF_INET6")
        #expect(value("Service", "KillSignal") == "SIGTERM")
        #expect(value("Service", "NoNewPrivileges") == "yes")
        #expect(value("Service", "ProtectSystem") == "strict")
        #expect(value("Unit", "Requires") == nil, "usbmuxd may be absent")
        #expect(value("Install", "WantedBy") == "multi-user.target")
        // The hardening block stays alphabetized.
        let start = try #require(settings.firstIndex { $0.key == "CapabilityBoundingSet" })
        let hardening = settings[start...].filter { $0.section == "Service" }.map(\.key)
        #expect(hardening == hardening.sorted())

        // systemd's own check, with ExecStart pointed at a binary that exists here.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("intake-agent.service")
        try text.replacingOccurrences(of: "/usr/local/bin/intake-agent", with: "/bin/true")
            .write(to: copy, atomically: true, encoding: .utf8)
        let verify = try Self.run("/usr/bin/systemd-analyze", ["verify", "--man=no", copy.path])
        #expect(verify.status == 0)
        #expect(verify.output.isEmpty, "systemd-analyze verify: \(verify.output)")
    }

    @Test func sysusersCreatesTheGroupAndTheServiceUser() throws {
        let file = Self.repository.appendingPathComponent("udev/intake-agent.sysusers")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sysusers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try Self.run("/usr/bin/systemd-sysusers", ["--dry-run", "--root", root.path, file.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("Creating group 'intake'"), "\(result.output)")
        #expect(result.output.contains("Creating user 'intake'"), "\(result.output)")
    }
}
