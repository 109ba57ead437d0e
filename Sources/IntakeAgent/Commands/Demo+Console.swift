// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Console
import DeviceSimulators
import Foundation
import IntakeStore

/// `intake-agent demo --console`: the bench daemon on the demo's simulated iPhone and Android phone, with the
/// console open and a demo consultant whose PIN is printed, in a temporary data directory unless `--data-dir`
/// is given. Ctrl-C stops it (exit 0).
extension Demo {
    func consoleDemo() async throws {
        let logger = global.makeLogger()
        // --data-dir, or the plain demo's --keep: a kept directory; else a temporary one (never the bench's own).
        let kept = global.dataDir ?? keep
        let temporary = kept == nil
        let dataDir = kept.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("intake-agent-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { if temporary { try? FileManager.default.removeItem(at: dataDir) } }

        // The simulators' sockets in a short directory of their own: a UNIX socket path must stay under 108 bytes.
        let sockets = FileManager.default.temporaryDirectory.appendingPathComponent("intake-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: sockets, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: sockets) }
        let bench = try SimulatedBench(
            profiles: ["iphone-11", "xiaomi-redmi-note-10"].compactMap(SimulatorProfile.builtIn(named:)),
            usbmuxdSocket: sockets.appendingPathComponent("usbmuxd").path, logger: logger)
        defer { bench.stop() }
        setenv("USBMUXD_SOCKET_ADDRESS", bench.usbmux.socketAddress, 1)

        let (consultant, pin) = try await Self.addDemoConsultant(dataDirectory: dataDir)

        var arguments = ["--data-dir", dataDir.path, "--store", store, "--listen", listen, "--log-level", global.logLevel.rawValue]
        if let config = global.config { arguments += ["--config", config] }
        for endpoint in bench.adbEndpoints { arguments += ["--adb-tcp", endpoint] }
        let daemon = try Run.parse(arguments)
        try await daemon.serve(onConsoleListening: { url in
            Output.line("Console:    \(url)")
            Output.line("Consultant: \(consultant)")
            Output.line("PIN:        \(pin)")
            let note = "demo: the simulated iPhone 11 and Xiaomi Redmi Note 10 are plugged in; log in at \(url) with \(consultant) and the PIN above. Ctrl-C stops the demo.\n"
            FileHandle.standardError.write(Data(note.utf8))
        })
    }

    /// A consultant for the demo with a fresh six-digit PIN: `demo`, or `demo-2`, `demo-3`... when a kept data
    /// directory has one already (a PIN is stored only as its hash, so an old one cannot be shown again).
    static func addDemoConsultant(dataDirectory: URL) async throws -> (id: String, pin: String) {
        let registry = try SQLiteRegistry(dataDirectory: dataDirectory)
        let taken = Set(try await registry.consultants().map(\.id))
        let id = (["demo"] + (2...99).map { "demo-\($0)" }).first { !taken.contains($0) } ?? "demo-\(UUID().uuidString.prefix(6))"
        let pin = String(format: "%06d", Int.random(in: 0...999_999))
        let hash: String
        do { hash = try ConsoleAuth.hash(pin: pin) } catch { throw Failure("\(error)") }
        _ = try await registry.addConsultant(id: id, name: "Demo Consultant", pinHash: hash, language: "en", at: Date())
        return (id, pin)
    }
}
