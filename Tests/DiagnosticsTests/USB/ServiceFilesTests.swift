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

        // systemd's own check, in full (man: pages included), with ExecStart pointed at the agent built here.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("intake-agent.service")
        try text.replacingOccurrences(of: "/usr/local/bin/intake-agent", with: try USBTestbed.agentBinary())
            .write(to: copy, atomically: true, encoding: .utf8)
        let verify = try Self.run("/usr/bin/systemd-analyze", ["verify", copy.path])
        #expect(verify.status == 0)
        #expect(verify.output.isEmpty, "systemd-analyze verify: \(verify.output)")
    }

    /// The daemon used to die of SIGPIPE, which systemd counts as a clean end: only `Restart=always` (or a
    /// `RestartForceExitStatus=` naming the signal) brings it back. A start limit keeps a daemon that cannot
    /// start from being restarted forever, and systemd waits longer than the daemon's graceful shutdown.
    @Test func unitRestartsTheDaemonAfterAnyDeathAndWaitsOutItsGracefulShutdown() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("systemd/intake-agent.service"), encoding: .utf8)
        let settings = Self.settings(text)
        func value(_ section: String, _ key: String) -> String? {
            settings.last { $0.section == section && $0.key == key }?.value
        }
        // systemd.service(5): which Restart= values restart after an unclean signal, and after a clean one.
        let restartsAfterUncleanSignal: Set = ["always", "on-failure", "on-abnormal", "on-abort"]
        let restart = try #require(value("Service", "Restart"))
        #expect(restartsAfterUncleanSignal.contains(restart), "Restart=\(restart) leaves a daemon killed by SIGSEGV or SIGABRT down")
        let forced = Set((value("Service", "RestartForceExitStatus") ?? "").split(separator: " ").map(String.init))
        #expect(restart == "always" || forced.contains("SIGPIPE") || forced.contains("PIPE"),
                "Restart=\(restart): systemd counts a SIGPIPE death as clean and would not restart it")
        #expect(value("Service", "RestartSec").flatMap(Self.seconds) ?? 0 >= 1, "a restart loop needs a pause")
        let burst = try #require(value("Unit", "StartLimitBurst").flatMap { Int($0) })
        let interval = try #require(value("Unit", "StartLimitIntervalSec").flatMap(Self.seconds))
        #expect(burst >= 1 && interval > 0, "a start limit of \(burst) in \(interval) s")
        // RestartSec × burst must fit in the interval, or the limit never trips.
        #expect(Double(burst) * (value("Service", "RestartSec").flatMap(Self.seconds) ?? 0) < interval)
        // The daemon's service group bounds its graceful shutdown at 20 s (Run.swift); systemd must wait longer.
        let daemonGracefulShutdown = 20.0
        let stop = try #require(value("Service", "TimeoutStopSec").flatMap(Self.seconds))
        #expect(stop > daemonGracefulShutdown, "TimeoutStopSec=\(stop)s kills the daemon inside its graceful shutdown")
        #expect(value("Service", "KillSignal") == "SIGTERM")
    }

    /// A systemd time span such as `30s`, `2min`, `500ms` or `60`, in seconds.
    static func seconds(_ span: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("min", 60), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where span.hasSuffix(suffix) {
            return Double(span.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(span)
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
