// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import DeviceSimulators
import Diagnostics
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A full Android inspect through our ADB engine against the simulated adbd (authorized Samsung, a fixed start-up
/// latency per shell stream standing for a real phone's 20–60 ms), measured against issue 5's targets:
/// - against the same facts read the way a bench script would, with the real `adb` (its server already running
///   and connected): `adb shell` once per command, in one run; target (issue 12): `inspect --adb-tcp` as a whole
///   process at least 5× faster;
/// - the agent's memory (max RSS of an `intake-agent inspect` process);
/// - five phones read at once, against one;
/// - a debugging-off Samsung's identity and locks read through its modem (the simulated firmware on a
///   pseudo-terminal, every information command): target under 1 s.
struct BenchAndroid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "android",
        abstract: "A full Android inspect against the simulated adbd, against the real adb."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var agent: AgentExecutable

    @Option(help: "How many times each measurement runs; the median is reported.")
    var runs = 5

    @Option(help: "Milliseconds each simulated shell stream takes to start, as a real phone's 20 to 60.")
    var latencyMs = 30

    @Option(help: "The real adb to compare against.")
    var adb = "/usr/bin/adb"

    @Flag(help: "Prints the figures as one JSON object.")
    var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1.") }
        guard latencyMs >= 0 else { throw ValidationError("--latency-ms must be 0 or more.") }
    }

    struct Figures: Encodable {
        let runs: Int
        let latencyMs: Int
        let transport: String
        let inspectInProcessMs: Double
        let inspectProcessMs: Double
        let shellStreams: Int
        let scriptMs: Double
        let scriptCommands: Int
        let speedupInProcess: Double
        let speedupProcess: Double
        let onePhoneMs: Double
        let phones: Int
        let allPhonesMs: Double
        let maxRSSMiBInspectProcess: Double
        let maxRSSMiBThisProcess: Double
        let debugBuild: Bool
        let targetSpeedupProcess: Double
        let modemReadMs: Double
        let modemTargetMs: Double

        enum CodingKeys: String, CodingKey {
            case runs, latencyMs = "latency_ms", transport, inspectInProcessMs = "inspect_in_process_ms"
            case inspectProcessMs = "inspect_process_ms", shellStreams = "shell_streams", scriptMs = "script_ms"
            case scriptCommands = "script_commands", speedupInProcess = "speedup_in_process"
            case speedupProcess = "speedup_process", onePhoneMs = "one_phone_ms", phones
            case allPhonesMs = "all_phones_ms", maxRSSMiBInspectProcess = "max_rss_mib_inspect_process"
            case maxRSSMiBThisProcess = "max_rss_mib_this_process", debugBuild = "debug_build"
            case targetSpeedupProcess = "target_speedup_process", modemReadMs = "modem_read_ms", modemTargetMs = "modem_target_ms"
        }
    }

    func run() async throws {
        try await reportingFailures {
            let f = try await measure()
            if json {
                try Output.json(f)
                return
            }
            Output.line("Simulated phone: authorized Samsung SM-G973F over \(f.transport), \(f.latencyMs) ms to start each shell stream; medians of \(f.runs) runs.")
            Output.line(String(format: "Full inspect in process: %.1f ms (%d shell streams, in parallel); as an `intake-agent inspect --adb-tcp --json` process: %.1f ms.",
                               f.inspectInProcessMs, f.shellStreams, f.inspectProcessMs))
            Output.line(String(format: "Bench script with the real adb (server running, `adb shell` once per command, %d commands): %.1f ms.",
                               f.scriptCommands, f.scriptMs))
            Output.line(String(format: "Speed-up over the script: %.1f× in process, %.1f× as a process; target ≥ %.0f× as a process.",
                               f.speedupInProcess, f.speedupProcess, f.targetSpeedupProcess))
            Output.line(String(format: "Samsung modem read (identity and locks, four AT commands): %.1f ms; target under %.0f ms.",
                               f.modemReadMs, f.modemTargetMs))
            Output.line(String(format: "%d phones at once: %.1f ms against %.1f ms for one.", f.phones, f.allPhonesMs, f.onePhoneMs))
            Output.line(String(format: "Max RSS of an `intake-agent inspect` process: %.1f MiB (this benchmark process, simulators and all: %.1f MiB).",
                               f.maxRSSMiBInspectProcess, f.maxRSSMiBThisProcess))
            if f.debugBuild { Output.line("This is a debug build: build with `swift build -c release` for the figures that count.") }
        }
    }

    // MARK: - Measuring

    /// The commands a bench script runs for the same facts, one `adb shell` each.
    static let scriptCommands: [String] = {
        let props = [
            "ro.product.model", "ro.product.brand", "ro.product.manufacturer", "ro.product.device", "ro.build.version.release",
            "ro.build.version.sdk", "ro.build.version.security_patch", "ro.serialno", "ro.boot.flash.locked",
            "ro.boot.verifiedbootstate", "sys.oem_unlock_allowed", "ro.debuggable", "ro.build.tags", "gsm.sim.state",
        ]
        let sysfs = ["cycle_count", "battery_cycle", "charge_full", "charge_full_design"]
        return props.map { "getprop \($0)" } + [
            "service call iphonesubinfo 4 i32 0 s16 com.android.shell", "service call iphonesubinfo 4 i32 1 s16 com.android.shell",
            "dumpsys account", "dumpsys lock_settings", "cmd lock_settings get-disabled", "dumpsys device_policy", "dumpsys battery",
        ] + sysfs.map { "cat /sys/class/power_supply/battery/\($0)" } + [
            "ls -d /system/bin/su /system/xbin/su /sbin/su", "cat /proc/partitions", "df /data", "tradeinmode getstatus",
        ]
    }()

    private func measure() async throws -> Figures {
        let agent = try self.agent.path()
        guard FileManager.default.isExecutableFile(atPath: adb) else {
            throw Failure("The real adb is the baseline and \(adb) is missing: install it with `apt-get install adb`, or name it with --adb.")
        }
        let workDir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-bench-android-\(getpid())")
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDir) }
        let key = try ADBKey.loadOrCreate(in: workDir.appendingPathComponent("data"))
        let latency = Duration.milliseconds(latencyMs)
        // The phone trusts the agent's key; the real adb's key is allowed at its first prompt.
        func simulator(_ profile: ADBDeviceProfile) throws -> (ADBDeviceSimulator, UInt16) {
            let sim = ADBDeviceSimulator(.init(profile: profile, shellLatency: latency,
                                               auth: .trusting([key.publicKeyText], onNewKey: .allowAfter(.zero))))
            return (sim, try sim.listen())
        }
        let (phone, port) = try simulator(.samsungS10)
        defer { phone.stop() }
        let options = AndroidReader.Options(commandTimeout: .seconds(30))

        func inspectOnce(_ port: UInt16) async throws -> DeviceReport {
            let report = try await AndroidReader.inspect(over: try ADBTCPTransport(host: "127.0.0.1", port: port), key: key, options: options)
            guard report.pairing == .authorized, report.model.identifier != nil else {
                throw Failure("The simulated phone could not be read (\(report.advice ?? report.pairing.rawValue)): the benchmark cannot run.")
            }
            return report
        }
        _ = try await inspectOnce(port)  // warm-up
        let streamsBefore = phone.streamsOpened
        _ = try await inspectOnce(port)
        let streamsPerInspect = phone.streamsOpened - streamsBefore
        var inProcess: [Double] = []
        for _ in 0..<runs { inProcess.append(try await Self.milliseconds { _ = try await inspectOnce(port) }) }

        // As a separate `intake-agent inspect` process, whose max RSS is the agent's memory for one read.
        var asProcess: [Double] = []
        var agentRSS = 0.0
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let run = try Self.spawn(agent, ["inspect", "--adb-tcp", "127.0.0.1:\(port)", "--json", "--data-dir", workDir.appendingPathComponent("data").path])
            asProcess.append(Self.ms(ContinuousClock.now - start))
            guard run.status == 0 else { throw Failure("`intake-agent inspect` failed against the simulated phone (exit \(run.status)): the benchmark cannot run.") }
            agentRSS = max(agentRSS, run.maxRSSMiB)
        }

        // The real adb: its own server on a free port and a home of its own, connected and authorized first.
        let adbPort = try Self.freePort()
        let home = workDir.appendingPathComponent("home").path
        try FileManager.default.createDirectory(atPath: home + "/.android", withIntermediateDirectories: true)
        let environment = ["HOME": home, "ANDROID_SDK_HOME": home, "ANDROID_USER_HOME": home + "/.android", "PATH": "/usr/bin:/bin"]
        func adbRun(_ args: [String]) throws -> Int32 {
            try Self.spawn(adb, ["-P", String(adbPort)] + args, environment: environment).status
        }
        defer { _ = try? adbRun(["kill-server"]) }
        let serial = "127.0.0.1:\(port)"
        _ = try adbRun(["start-server"])
        _ = try adbRun(["connect", serial])
        guard try adbRun(["-s", serial, "wait-for-device"]) == 0 else {
            throw Failure("The real adb could not connect to the simulated phone: the benchmark cannot run.")
        }
        _ = try adbRun(["-s", serial, "shell", "true"])  // warm-up
        var script: [Double] = []
        for _ in 0..<runs {
            script.append(try await Self.milliseconds {
                for command in Self.scriptCommands { _ = try adbRun(["-s", serial, "shell", command]) }
            })
        }

        // Five phones at once, each its own simulator.
        let fleet = try [ADBDeviceProfile.samsungS10, .xiaomiRedmiNote10, .huaweiP20Lite, .samsungS10, .xiaomiRedmiNote10].map(simulator)
        defer { fleet.forEach { $0.0.stop() } }
        var one: [Double] = []
        var all: [Double] = []
        for _ in 0..<runs {
            one.append(try await Self.milliseconds { _ = try await inspectOnce(fleet[0].1) })
            all.append(try await Self.milliseconds {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (_, port) in fleet { group.addTask { _ = try await inspectOnce(port) } }
                    try await group.waitForAll()
                }
            })
        }

        // A debugging-off Samsung's modem: the whole read (open, four commands each answered, close).
        let modem = try SamsungModemSimulator(.galaxyA54)
        defer { modem.stop() }
        var modemReads: [Double] = []
        for _ in 0..<runs {
            modemReads.append(try await Self.milliseconds {
                let report = try await SamsungModemReader.read(tty: modem.ttyPath)
                guard report.model.identifier != nil, report.imei != nil else {
                    throw Failure("The simulated modem gave no identity: the benchmark cannot run.")
                }
            })
        }

        let inProcessMs = Self.median(inProcess)
        let processMs = Self.median(asProcess)
        let scriptMs = Self.median(script)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Figures(
            runs: runs, latencyMs: latencyMs, transport: "tcp", inspectInProcessMs: inProcessMs, inspectProcessMs: processMs,
            shellStreams: streamsPerInspect, scriptMs: scriptMs, scriptCommands: Self.scriptCommands.count,
            speedupInProcess: scriptMs / inProcessMs, speedupProcess: scriptMs / processMs, onePhoneMs: Self.median(one),
            phones: fleet.count, allPhonesMs: Self.median(all), maxRSSMiBInspectProcess: agentRSS,
            maxRSSMiBThisProcess: Double(usage.ru_maxrss) / 1024, debugBuild: BuildKind.isDebug,
            targetSpeedupProcess: 5, modemReadMs: Self.median(modemReads), modemTargetMs: 1000)
    }

    static func milliseconds(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return ms(ContinuousClock.now - start)
    }

    static func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func freePort() throws -> UInt16 {
        let probe = ADBDeviceSimulator(.init(profile: .samsungS10))
        defer { probe.stop() }
        return try probe.listen()
    }

    /// Runs a program with output discarded (a forked adb server keeps inherited descriptors, so nothing waits on
    /// a pipe), and returns its exit status and max RSS.
    static func spawn(_ path: String, _ args: [String], environment: [String: String]? = nil) throws -> (status: Int32, maxRSSMiB: Double) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let env = environment ?? ProcessInfo.processInfo.environment
        let envp = env.map { strdup("\($0)=\($1)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw Failure("Could not start \(path) (\(String(cString: strerror(rc)))): the benchmark cannot run.") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : -1, Double(usage.ru_maxrss) / 1024)
    }
}
