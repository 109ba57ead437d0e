// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import DeviceSimulators
import Diagnostics
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The iOS read against the in-process usbmuxd simulator (paired devices, a fixed delay before each device reply
/// standing for the USB round trip), measured three ways against issue 4's targets:
/// - a full inspect (in this process, and as a separate `intake-agent inspect` process) against the same facts
///   read the way a bench shell script would: `ideviceinfo` for each key or domain plus
///   `idevicediagnostics ioregentry AppleSmartBattery`, one run of the script; target: at least 5× faster;
/// - ten devices read at once against one; target: under 2× the time of one;
/// - the agent's memory (max RSS) reading ten devices at once.
struct BenchIOS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ios",
        abstract: "A full iPhone inspect against the simulator, against a shell script of the same reads."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var agent: AgentExecutable

    @Option(help: "How many times each measurement runs; the median is reported.")
    var runs = 5

    @Option(help: "How many devices are read at once in the concurrency measurement.")
    var devices = 10

    @Option(help: "Milliseconds each simulated device waits before each reply, standing for the USB round trip.")
    var latencyMs = 2

    @Flag(help: "Prints the figures as one JSON object.")
    var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1.") }
        guard devices >= 2 else { throw ValidationError("--devices must be at least 2.") }
        guard latencyMs >= 0 else { throw ValidationError("--latency-ms must be 0 or more.") }
    }

    struct Figures: Encodable {
        let runs: Int
        let latencyMs: Int
        let inspectInProcessMs: Double
        let inspectProcessMs: Double
        let scriptMs: Double
        let scriptCommands: Int
        let speedupInProcess: Double
        let speedupProcess: Double
        let oneDeviceMs: Double
        let devices: Int
        let allDevicesMs: Double
        let concurrencyRatio: Double
        let maxRSSMiBProcessAllDevices: Double
        let maxRSSMiBThisProcess: Double
        let debugBuild: Bool

        enum CodingKeys: String, CodingKey {
            case runs, latencyMs = "latency_ms", inspectInProcessMs = "inspect_in_process_ms"
            case inspectProcessMs = "inspect_process_ms", scriptMs = "script_ms", scriptCommands = "script_commands"
            case speedupInProcess = "speedup_in_process", speedupProcess = "speedup_process"
            case oneDeviceMs = "one_device_ms", devices, allDevicesMs = "all_devices_ms"
            case concurrencyRatio = "concurrency_ratio", maxRSSMiBProcessAllDevices = "max_rss_mib_process_all_devices"
            case maxRSSMiBThisProcess = "max_rss_mib_this_process", debugBuild = "debug_build"
        }
    }

    func run() async throws {
        try await reportingFailures {
            let figures = try await measure()
            if json {
                try Output.json(figures)
                return
            }
            Output.line("Simulated devices: paired iPhone 11, \(figures.latencyMs) ms before each device reply; medians of \(figures.runs) runs.")
            Output.line(String(
                format: "Full inspect in process: %.1f ms; as an `intake-agent inspect --json` process: %.1f ms.",
                figures.inspectInProcessMs, figures.inspectProcessMs))
            Output.line(String(
                format: "Shell script (%d ideviceinfo/idevicediagnostics commands): %.1f ms.", figures.scriptCommands, figures.scriptMs))
            Output.line(String(
                format: "Speed-up over the script: %.1f× in process, %.1f× as a process; target ≥ 5×.",
                figures.speedupInProcess, figures.speedupProcess))
            Output.line(String(
                format: "%d devices at once: %.1f ms against %.1f ms for one = %.2f×; target < 2×.",
                figures.devices, figures.allDevicesMs, figures.oneDeviceMs, figures.concurrencyRatio))
            Output.line(String(
                format: "Max RSS of an `intake-agent inspect` process reading %d devices at once: %.1f MiB (this benchmark process, simulator included: %.1f MiB).",
                figures.devices, figures.maxRSSMiBProcessAllDevices, figures.maxRSSMiBThisProcess))
            if figures.debugBuild {
                Output.line("This is a debug build: build with `swift build -c release` for the figures that count.")
            }
        }
    }

    private func measure() async throws -> Figures {
        let executable = try agent.path()
        let logger = global.makeLogger()
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        // libusbmuxd reads the variable on each connection; set it before the first one.
        setenv("USBMUXD_SOCKET_ADDRESS", simulator.socketAddress, 1)
        let latency = Duration.milliseconds(latencyMs)
        let fleet = (0..<devices).map { index in
            SimulatedIOSDevice.cleanIPhone11.withIdentity(
                udid: String(format: "00008030-%016X", 0x001A_2C3E_0C38_8000 + index), serialNumber: String(format: "DX3VK1ABN%03d", index))
        }
        // Devices this host paired before: the script and the agent both read paired devices.
        for device in fleet { simulator.attach(device, latency: latency, alreadyPaired: true) }

        // One untimed read of each device first (the connection paths warm up for both sides).
        let options = IOSReadOptions(stepTimeout: .seconds(30))
        for device in fleet {
            let result = await IOSDeviceSession.read(udid: device.udid, options: options, logger: logger)
            guard result.isComplete else {
                throw Failure("The simulated iPhone could not be read (\(result.failure?.message ?? "not paired")): the benchmark cannot run.")
            }
        }
        let udid = fleet[0].udid

        let inProcess = try await median(runs) {
            let result = await IOSDeviceSession.read(udid: udid, options: options, logger: logger)
            guard result.isComplete else { throw Failure("A benchmark read failed: \(result.failure?.message ?? "not paired").") }
        }
        let environment = ProcessInfo.processInfo.environment.merging(["USBMUXD_SOCKET_ADDRESS": simulator.socketAddress]) { $1 }
        let asProcess = try await median(runs) {
            try Self.run(executable, ["inspect", "--udid", udid, "--json"], environment: environment)
        }
        let script = Self.script(udid: udid)
        let scriptTime = try await median(runs) {
            try Self.run("/bin/sh", ["-c", script.text], environment: environment)
        }

        let one = try await median(runs) {
            _ = await IOSDeviceSession.read(udid: udid, options: options, logger: logger)
        }
        let all = try await median(runs) {
            await withTaskGroup(of: Void.self) { group in
                for device in fleet {
                    group.addTask { _ = await IOSDeviceSession.read(udid: device.udid, options: options, logger: logger) }
                }
            }
        }
        // `inspect --serial` with an Apple serial reads every device at once to find it: the agent's memory with
        // all of them in flight, in a process of its own (getrusage's children figure is the largest child's).
        let childRSS = try Self.maxRSSKiB(executable, ["inspect", "--serial", fleet[devices - 1].serialNumber, "--json"], environment: environment)
        var own = rusage()
        getrusage(RUSAGE_SELF.rawValue, &own)

        return Figures(
            runs: runs, latencyMs: latencyMs, inspectInProcessMs: inProcess, inspectProcessMs: asProcess, scriptMs: scriptTime,
            scriptCommands: script.commands, speedupInProcess: scriptTime / inProcess, speedupProcess: scriptTime / asProcess,
            oneDeviceMs: one, devices: devices, allDevicesMs: all, concurrencyRatio: all / one,
            maxRSSMiBProcessAllDevices: Double(childRSS) / 1024, maxRSSMiBThisProcess: Double(own.ru_maxrss) / 1024,
            debugBuild: BuildKind.isDebug)
    }

    /// The facts of one inspect, read as a bench shell script would: one command per key or domain.
    /// (libimobiledevice-utils 1.3.0 has no MCInstall tool, so the script reads one fact fewer than the agent.)
    static func script(udid: String) -> (text: String, commands: Int) {
        let keys = [
            "ProductType", "ProductVersion", "DeviceClass", "UniqueDeviceID", "SerialNumber", "InternationalMobileEquipmentIdentity",
            "InternationalMobileEquipmentIdentity2", "ActivationState", "PasswordProtected", "DeviceColor", "DeviceEnclosureColor",
            "SIMStatus",
        ]
        var lines = keys.map { "ideviceinfo -u \(udid) -k \($0)" }
        lines.append("ideviceinfo -u \(udid) -q com.apple.disk_usage -k TotalDiskCapacity")
        lines.append("ideviceinfo -u \(udid) -q com.apple.fmip -k IsAssociated")
        lines.append("idevicediagnostics -u \(udid) ioregentry AppleSmartBattery")
        return (lines.map { $0 + " >/dev/null" }.joined(separator: "\n"), lines.count)
    }

    /// The max RSS of one child process in KiB, from wait4's resource usage of that very child (getrusage's
    /// children figure would be the largest of every child so far).
    static func maxRSSKiB(_ path: String, _ arguments: [String], environment: [String: String]) throws -> Int {
        var pid: pid_t = 0
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw Failure("Could not start \(path) (errno \(rc)): the benchmark cannot measure its memory.") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        return usage.ru_maxrss
    }

    /// Runs a child process to its end; its output is discarded.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], environment: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The median wall time of `count` runs of `body`, in milliseconds.
    private func median(_ count: Int, _ body: () async throws -> Void) async throws -> Double {
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<count {
            let elapsed = try await clock.measure { try await body() }
            times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return times.sorted()[times.count / 2]
    }
}
