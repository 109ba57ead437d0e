// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Diagnostics
import Foundation
import Logging

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Checks the bench setup and says what to fix."
    )

    @OptionGroup var global: GlobalOptions

    /// The group udev/51-intake-agent.rules grants USB access to, and the service's user.
    static let group = "intake"
    static let rulesName = "51-intake-agent.rules"
    static let rulesDirectories = ["/etc/udev/rules.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d"]

    struct Check {
        var name: String
        var passed: Bool
        /// What was found, or what to fix: one sentence.
        var sentence: String
    }

    func run() async throws {
        try await reportingFailures {
            let logger = global.makeLogger()
            var checks = [rulesCheck(), groupCheck(), membershipCheck(), usbmuxdCheck(), dataDirectoryCheck()]
            checks += await usbChecks(logger: logger)
            for check in checks {
                let status = check.passed ? "ok  " : "FAIL"
                Output.line("\(status)  \(check.name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(check.sentence)")
            }
            if checks.contains(where: { !$0.passed }) { throw ExitCode.failure }
        }
    }

    // MARK: - Checks

    func rulesCheck() -> Check {
        for directory in Self.rulesDirectories {
            let path = directory + "/" + Self.rulesName
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            guard text.contains("GROUP=\"\(Self.group)\"") else {
                return Check(
                    name: "udev rules", passed: false,
                    sentence: "\(path) does not grant the \(Self.group) group: reinstall udev/\(Self.rulesName) from this release.")
            }
            return Check(name: "udev rules", passed: true, sentence: "\(path) is installed.")
        }
        return Check(
            name: "udev rules", passed: false,
            sentence: "The udev rules are missing: run `sudo install -m 0644 udev/\(Self.rulesName) /etc/udev/rules.d/ && "
                + "sudo udevadm control --reload-rules && sudo udevadm trigger`.")
    }

    func groupCheck() -> Check {
        guard getgrnam(Self.group) != nil else {
            return Check(
                name: "group", passed: false,
                sentence: "The \(Self.group) group does not exist: run `sudo install -m 0644 udev/intake-agent.sysusers "
                    + "/usr/lib/sysusers.d/intake-agent.conf && sudo systemd-sysusers`.")
        }
        return Check(name: "group", passed: true, sentence: "The \(Self.group) group exists.")
    }

    func membershipCheck() -> Check {
        guard let group = getgrnam(Self.group) else {
            return Check(name: "membership", passed: false, sentence: "Create the \(Self.group) group first (see above).")
        }
        let gid = group.pointee.gr_gid
        // As root, what matters is the service's user, not root (which can open everything).
        let user: String
        let baseGroup: gid_t
        if getuid() == 0 {
            guard let service = getpwnam(Self.group) else {
                return Check(
                    name: "membership", passed: false,
                    sentence: "The service user \(Self.group) does not exist: install udev/intake-agent.sysusers and run `sudo systemd-sysusers`.")
            }
            user = Self.group
            baseGroup = service.pointee.pw_gid
        } else {
            guard let me = getpwuid(getuid()) else {
                return Check(name: "membership", passed: false, sentence: "The running user has no passwd entry: run the agent as a real user.")
            }
            user = String(cString: me.pointee.pw_name)
            baseGroup = me.pointee.pw_gid
        }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, baseGroup, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(user, baseGroup, &groups, &count)
        }
        guard groups.prefix(Int(count)).contains(gid) else {
            return Check(
                name: "membership", passed: false,
                sentence: "User \(user) is not in the \(Self.group) group: run `sudo usermod -aG \(Self.group) \(user)` and log in again.")
        }
        return Check(name: "membership", passed: true, sentence: "User \(user) is in the \(Self.group) group.")
    }

    func usbmuxdCheck() -> Check {
        let configured = ProcessInfo.processInfo.environment["USBMUXD_SOCKET_ADDRESS"]
        let address = configured ?? "UNIX:/var/run/usbmuxd"
        let reachable: Bool
        if address.hasPrefix("UNIX:") {
            reachable = Self.connectUnix(String(address.dropFirst("UNIX:".count)))
        } else if let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) {
            reachable = Self.connectTCP(host: String(address[..<colon]), port: port)
        } else {
            return Check(
                name: "usbmuxd", passed: false,
                sentence: "USBMUXD_SOCKET_ADDRESS=\(address) is not UNIX:/path or HOST:PORT: fix or unset it.")
        }
        if reachable { return Check(name: "usbmuxd", passed: true, sentence: "usbmuxd answers at \(address).") }
        if configured == nil && FileManager.default.isExecutableFile(atPath: "/usr/sbin/usbmuxd") {
            // usbmuxd exits when the last iPhone leaves and udev starts it again on the next one.
            return Check(
                name: "usbmuxd", passed: true,
                sentence: "usbmuxd is installed and not running now; udev starts it when an iPhone is plugged in.")
        }
        return Check(
            name: "usbmuxd", passed: false,
            sentence: configured == nil
                ? "usbmuxd is not installed: run `sudo apt-get install usbmuxd` so iPhones can be read."
                : "Nothing answers at USBMUXD_SOCKET_ADDRESS=\(address): start usbmuxd there or unset the variable.")
    }

    func dataDirectoryCheck() -> Check {
        let directory = global.resolvedDataDir
        let probe = directory.appendingPathComponent(".doctor-\(getpid())")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data("ok".utf8).write(to: probe)
            try FileManager.default.removeItem(at: probe)
            return Check(name: "data directory", passed: true, sentence: "\(directory.path) is writable.")
        } catch {
            return Check(
                name: "data directory", passed: false,
                sentence: "\(directory.path) is not writable: give the agent's user write access, or choose another with --data-dir.")
        }
    }

    /// The USB bus and a receipt printer on it.
    func usbChecks(logger: Logger) async -> [Check] {
        guard FileManager.default.fileExists(atPath: "/dev/bus/usb") else {
            return [
                Check(name: "USB bus", passed: false, sentence: "/dev/bus/usb is missing: run the agent on the bench itself, not in a container or with PrivateDevices=yes."),
                Check(name: "printer", passed: false, sentence: "No printer can be found without the USB bus."),
            ]
        }
        let devices: [USBDeviceInfo]
        do throws(DiagnosticsError) {
            let context = try LibUSBContext(logger: logger)
            defer { context.shutdown() }
            devices = try await context.devices()
        } catch {
            let detail = error.underlying.map { "\($0)" } ?? error.message
            return [
                Check(name: "USB bus", passed: false, sentence: "The USB bus cannot be read (\(detail)): the agent needs /dev/bus/usb (PrivateDevices=no)."),
                Check(name: "printer", passed: false, sentence: "No printer can be found without the USB bus."),
            ]
        }
        var checks = [
            Check(
                name: "USB bus", passed: true,
                sentence: "libusb \(LibUSBContext.libusbVersion) sees \(devices.filter { $0.kind != .hub }.count) device(s) besides hubs.")
        ]
        let lpNodes = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/usb")) ?? []).filter { $0.hasPrefix("lp") }
        if let printer = devices.first(where: { $0.kind == .printer }) {
            let name = [printer.manufacturer, printer.product].compactMap { $0 }.joined(separator: " ")
            checks.append(
                Check(
                    name: "printer", passed: true,
                    sentence: "\(name.isEmpty ? "A USB printer" : name) (\(printer.vendorIDHex):\(printer.productIDHex)) is on port \(printer.portPath)."))
        } else if let node = lpNodes.first {
            checks.append(Check(name: "printer", passed: true, sentence: "/dev/usb/\(node) is a printer."))
        } else {
            checks.append(
                Check(
                    name: "printer", passed: false,
                    sentence: "No receipt printer is plugged in: connect it by USB and switch it on."))
        }
        return checks
    }

    // MARK: - Sockets

    static func connectUnix(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    static func connectTCP(host: String, port: UInt16) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else { return false }
        defer { freeaddrinfo(results) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                defer { close(fd) }
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return true }
            }
            entry = info.pointee.ai_next
        }
        return false
    }
}
