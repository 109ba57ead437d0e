// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import DeviceSimulators
import Foundation
import Logging
import UnixSignals

/// `intake-agent simulate`: the product's simulated phones as a tool of their own, for test runs of `inspect`,
/// `intake` and the daemon without hardware. iPhones and iPads behind a usbmuxd simulator on a UNIX socket (and
/// loopback TCP when asked), each Android phone behind an adbd on a loopback port; a control socket takes
/// `simulate ctl` commands while it runs. SIGINT or SIGTERM stops it and removes its sockets.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Runs simulated iPhones and Android phones for test runs of the agent, until Ctrl-C.",
        discussion: """
            Prints the USBMUXD_SOCKET_ADDRESS=... line and the --adb-tcp 127.0.0.1:PORT flags the agent needs, and the \
            --control socket that `intake-agent simulate ctl` takes. Without --ios and --android it runs the demo's \
            iPhone and Xiaomi. Profiles are built-in names (--list) or JSON files (see the README).
            """,
        subcommands: [Ctl.self])

    @Option(name: .customLong("ios"), help: ArgumentHelp("An iOS device: a built-in profile's name or a JSON profile file; repeatable.", valueName: "profile"))
    var ios: [String] = []

    @Option(name: .customLong("android"), help: ArgumentHelp("An Android phone: a built-in profile's name or a JSON profile file; repeatable.", valueName: "profile"))
    var android: [String] = []

    @Option(help: ArgumentHelp("The usbmuxd simulator's UNIX socket; defaults to one in a new temporary directory.", valueName: "path"))
    var usbmuxdSocket: String?

    @Option(help: ArgumentHelp("Listen for usbmuxd clients on this loopback TCP port too (0 picks a free one).", valueName: "port"))
    var usbmuxdPort: UInt16?

    @Option(help: ArgumentHelp("The first Android phone's adbd port on 127.0.0.1 (the next phones take the ports after it); free ports without it.", valueName: "port"))
    var adbPort: UInt16?

    @OptionGroup var controlSocket: ControlSocket

    @Flag(help: "List the built-in profiles and exit.")
    var list = false

    @Option(help: "The least severe log level written to stderr; debug logs every request the simulated devices get.")
    var logLevel: Logger.Level = .warning

    func run() async throws {
        try await reportingFailures { try await simulate() }
    }

    private func simulate() async throws {
        if list {
            for profile in SimulatorProfile.builtIn {
                let platform = profile.platform == "ios" ? "--ios    " : "--android"
                Output.line("\(platform) \(profile.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(profile.summary)")
            }
            return
        }
        LogBootstrap.once(level: logLevel)
        var logger = Logger(label: "intake-agent.simulate")
        logger.logLevel = logLevel

        var profiles = try ios.map { try Self.profile($0, platform: "ios") } + android.map { try Self.profile($0, platform: "android") }
        if profiles.isEmpty {
            profiles = ["iphone-11", "xiaomi-redmi-note-10"].compactMap(SimulatorProfile.builtIn(named:))
        }
        var temporary: URL?
        let socket: String
        if let usbmuxdSocket {
            socket = usbmuxdSocket
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("intake-simulate-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            temporary = directory
            socket = directory.appendingPathComponent("usbmuxd").path
        }
        defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }
        let controlPath = controlSocket.control ?? socket + ".control"

        let bench: SimulatedBench
        do {
            bench = try SimulatedBench(profiles: profiles, usbmuxdSocket: socket, usbmuxdTCPPort: usbmuxdPort, adbPort: adbPort, logger: logger)
        } catch {
            throw Failure("The simulators could not start: \(error)")
        }
        defer { bench.stop() }
        let server: SimulatorControlServer
        do {
            server = try SimulatorControlServer(path: controlPath, bench: bench)
        } catch {
            throw Failure("The control socket could not start: \(error)")
        }
        defer { server.stop() }

        // Trapped before the lines below are printed: a script that stops us the moment it has read them must
        // find the handler in place (the default action would leave the sockets behind).
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for device in bench.devices {
            let what = device.platform == "ios" ? "iOS, \(device.address)" : "Android, adbd on \(device.address)"
            Self.note("\(device.name) (\(what), plugged in): \(device.summary)")
        }
        if let tcp = bench.usbmuxTCPAddress { Self.note("usbmuxd listens on \(tcp) too (USBMUXD_SOCKET_ADDRESS=\(tcp)).") }
        Self.note("plug, unplug, trust, deny, allow, set: intake-agent simulate ctl --control \(controlPath) unplug \(bench.devices[0].name)")
        Self.note("Ctrl-C stops the simulators and removes their sockets.")
        // stdout: what the agent and `simulate ctl` need, one line each.
        Output.line("USBMUXD_SOCKET_ADDRESS=\(bench.usbmux.socketAddress)")
        for endpoint in bench.adbEndpoints { Output.line("--adb-tcp \(endpoint)") }
        Output.line("--control \(controlPath)")

        for await signal in signals {
            logger.notice("\(signal) received: stopping the simulators")
            break
        }
    }

    /// A built-in profile by name, else a profile file.
    static func profile(_ argument: String, platform: String) throws -> SimulatorProfile {
        if let builtIn = SimulatorProfile.builtIn(named: argument) {
            guard builtIn.platform == platform else {
                let other = builtIn.platform
                throw Failure("\(argument) is a built-in \(other == "ios" ? "iOS" : "Android") profile: pass it with --\(other).")
            }
            return builtIn
        }
        guard FileManager.default.fileExists(atPath: argument) else {
            throw Failure("No built-in \(platform == "ios" ? "iOS" : "Android") profile is called \(argument) and there is no such file: see `intake-agent simulate --list`, or give a profile file's path.")
        }
        do {
            return try SimulatorProfile.load(file: argument, platform: platform)
        } catch {
            throw Failure(error.description)
        }
    }

    private static func note(_ line: String) {
        FileHandle.standardError.write(Data("simulate: \(line)\n".utf8))
    }
}

extension Simulate {
    /// `intake-agent simulate ctl`: the bench's hands on a running `simulate`.
    struct Ctl: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ctl",
            abstract: "Plugs, unplugs, answers the prompts of and changes the devices of a running `simulate`.",
            discussion: """
                plug and unplug make the agent see a device arrive and leave; trust and deny answer an iPhone's Trust \
                dialog; allow taps an Android phone's "Allow USB debugging?"; set changes values (iOS: find_my, passcode, \
                activation_state, mdm_organization, supervised, device_name, product_version, battery.cycle_count, \
                battery.nominal_charge_capacity_mah, slow_replies_ms, faults=none; Android: accounts=none or \
                NAME:TYPE,..., screen_lock, prop.NAME, slow_replies_ms, faults=none); list shows the devices.
                """)

        // The parent's option group: argument-parser gives `--control` after `ctl` to both commands that way.
        @OptionGroup var controlSocket: ControlSocket

        @Argument(help: "plug, unplug, trust, deny, allow, set or list.")
        var action: String

        @Argument(help: "The device's name, as `simulate` printed it.")
        var name: String?

        @Argument(help: "For set: the values to change, as KEY=VALUE (find_my=off, accounts=none).")
        var values: [String] = []

        static let actions = ["plug", "unplug", "trust", "deny", "allow", "set", "list"]

        func validate() throws {
            guard controlSocket.control != nil else {
                throw ValidationError("Give the control socket `simulate` printed, as --control PATH.")
            }
            guard Self.actions.contains(action) else {
                throw ValidationError("\(action) is not a simulate ctl command: use one of \(Self.actions.joined(separator: ", ")).")
            }
            if action != "list" && name == nil { throw ValidationError("\(action) needs the device's name, as `simulate` printed it.") }
            if action == "set" && values.isEmpty { throw ValidationError("set needs KEY=VALUE after the device's name, such as find_my=off.") }
            if action != "set" && !values.isEmpty { throw ValidationError("Only set takes KEY=VALUE values.") }
        }

        func run() async throws {
            try await reportingFailures {
                let reply: SimulatorControlReply
                do throws(SimulatorControlError) {
                    reply = try SimulatorControl.send(.init(command: action, device: name, set: values.isEmpty ? nil : values), to: controlSocket.control ?? "")
                } catch {
                    throw Failure(error.description)
                }
                guard reply.ok else { throw Failure(reply.message) }
                Output.line(reply.message)
            }
        }
    }
}

/// `--control PATH`, which `simulate` serves and `simulate ctl` talks to.
struct ControlSocket: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The control socket: where `simulate` serves it (defaults to the usbmuxd socket's path with .control added), the one `simulate ctl` talks to.",
            valueName: "path"))
    var control: String?
}
