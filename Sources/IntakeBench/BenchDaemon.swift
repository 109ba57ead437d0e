// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import DeviceSimulators
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The daemon as it runs for a day at the counter, measured from outside: the built `intake-agent run` (a data
/// directory of its own, `--store ALA-MEGA2`, `USBMUXD_SOCKET_ADDRESS` at an in-process usbmuxd simulator) with
/// ten simulated iPhones plugged and unplugged at random, each plug a phone it has not seen (a fresh UDID, serial
/// and IMEI) whose consultant's answers are dropped in the spool, so sessions run to their certificate. Measured
/// against issue 9's targets from /proc: the daemon's resident memory (VmRSS) and open descriptors at the start
/// and at the end (no growth beyond 10%, fewer than 200 descriptors), its CPU time (utime + stime) idle with no
/// device (under 0.1%), the sessions it completed (its log lines on stderr) and how long a graceful SIGTERM stop
/// takes with ten sessions open (waiting for answers).
///
/// Android phones take part as simulated adbd on loopback ports, which the daemon watches with `--adb-tcp`: a
/// port that answers is a phone plugged in, one that stops is a phone unplugged.
struct BenchDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "The daemon's memory, descriptors, idle CPU and stop time with ten iPhones and ten Android phones plugged at random.",
        discussion: """
            The Android phones are simulated adbd on loopback ports, watched by the daemon with --adb-tcp.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var agent: AgentExecutable

    @Option(help: "How long the phones are plugged and unplugged at random, in seconds.")
    var seconds: Double = 300

    @Option(help: "How long the idle daemon's CPU use is measured with no device, in seconds.")
    var idleSeconds: Double = 60

    @Option(help: "How many simulated iPhones take turns on the bench.")
    var phones: Int = 10

    @Option(help: "How many simulated Android phones take turns on the bench (each an adbd on its own loopback port, watched with run --adb-tcp).")
    var android: Int = 10

    @Option(help: "The store the daemon runs for.")
    var store: String = "ALA-MEGA2"

    @Option(help: "How long the daemon is given to stop after SIGTERM before it is killed (systemd gives it 30 s).")
    var stopTimeout: Double = 35

    @Option(help: "Also writes the daemon's log (its stderr) to this file.")
    var daemonLog: String?

    @Flag(help: "Prints the figures as one JSON object.")
    var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be above 0.") }
        guard idleSeconds > 0 else { throw ValidationError("--idle-seconds must be above 0.") }
        guard phones >= 1 else { throw ValidationError("--phones must be at least 1.") }
        guard android >= 0 else { throw ValidationError("--android must be 0 or more.") }
        guard stopTimeout > 0 else { throw ValidationError("--stop-timeout must be above 0.") }
    }

    struct Figures: Encodable {
        var phones: Int
        var androidPhones: Int
        var churnSeconds: Double
        var plugs: Int
        var rssStartMiB: Double
        var rssWarmMiB: Double
        var rssEndMiB: Double
        var rssGrowthPercent: Double
        var rssGrowthAfterWarmUpPercent: Double
        var fdsStart: Int
        var fdsEnd: Int
        var fdsMax: Int
        var idleSeconds: Double
        var idleCPUPercent: Double
        var sessionsStarted: Int
        var certificatesIssued: Int
        var sessionsRefused: Int
        var sessionsCancelled: Int
        var openSessionsAtStop: Int
        /// `nil`: still running `stop_timeout_seconds` after SIGTERM (then killed).
        var stopSeconds: Double?
        var stopTimeoutSeconds: Double
        /// How the daemon ended after SIGTERM: `exit 0`, `exit 1`, `signal 4`.
        var stopOutcome: String
        /// The daemon's "Fatal error" lines (a Swift runtime trap), first ones first.
        var fatalErrors: [String]
        /// The idle daemon's threads that used CPU, by name, in clock ticks over the idle window.
        var idleThreads: [IdleThread]
        var targetGrowthPercent: Double
        var targetFds: Int
        var targetIdleCPUPercent: Double
        var debugBuild: Bool

        enum CodingKeys: String, CodingKey {
            case phones, androidPhones = "android_phones", churnSeconds = "churn_seconds", plugs, rssStartMiB = "rss_start_mib", rssWarmMiB = "rss_warm_mib"
            case rssEndMiB = "rss_end_mib", rssGrowthPercent = "rss_growth_percent"
            case rssGrowthAfterWarmUpPercent = "rss_growth_after_warm_up_percent", fdsStart = "fds_start"
            case fdsEnd = "fds_end", fdsMax = "fds_max", idleSeconds = "idle_seconds", idleCPUPercent = "idle_cpu_percent"
            case sessionsStarted = "sessions_started", certificatesIssued = "certificates_issued"
            case sessionsRefused = "sessions_refused", sessionsCancelled = "sessions_cancelled"
            case openSessionsAtStop = "open_sessions_at_stop", stopSeconds = "stop_seconds", stopTimeoutSeconds = "stop_timeout_seconds"
            case stopOutcome = "stop_outcome", fatalErrors = "fatal_errors", idleThreads = "idle_threads"
            case targetGrowthPercent = "target_growth_percent"
            case targetFds = "target_fds", targetIdleCPUPercent = "target_idle_cpu_percent", debugBuild = "debug_build"
        }
    }

    struct IdleThread: Encodable {
        var name: String
        var ticks: Int
    }

    func run() async throws {
        try await reportingFailures {
            let f = try await measure()
            if json {
                try Output.json(f)
                return
            }
            func verdict(_ ok: Bool) -> String { ok ? "met" : "NOT met" }
            Output.line("intake-agent run with \(f.phones) simulated iPhones and \(f.androidPhones) Android phones plugged and unplugged at random for \(Int(f.churnSeconds)) s (\(f.plugs) plugs, each a phone not seen before, answers in the spool):")
            Output.line(String(
                format: "  resident memory: %.1f MiB at the start, %.1f MiB after the first fifth, %.1f MiB at the end: %+.1f%% (%+.1f%% after warm-up); target ≤ +%.0f%%: %@",
                f.rssStartMiB, f.rssWarmMiB, f.rssEndMiB, f.rssGrowthPercent, f.rssGrowthAfterWarmUpPercent, f.targetGrowthPercent,
                verdict(f.rssGrowthAfterWarmUpPercent <= f.targetGrowthPercent)))
            Output.line("  open descriptors: \(f.fdsStart) at the start, \(f.fdsEnd) at the end, \(f.fdsMax) at most; target < \(f.targetFds): \(verdict(f.fdsMax < f.targetFds))")
            Output.line(String(
                format: "  idle CPU with no device over %.0f s: %.3f%%; target < %.1f%%: %@", f.idleSeconds, f.idleCPUPercent,
                f.targetIdleCPUPercent, verdict(f.idleCPUPercent < f.targetIdleCPUPercent)))
            if !f.idleThreads.isEmpty {
                Output.line("    by thread (clock ticks of \(1000 / Int(sysconf(Int32(_SC_CLK_TCK)))) ms): " + f.idleThreads.map { "\($0.name) \($0.ticks)" }.joined(separator: ", "))
            }
            Output.line("  sessions: \(f.sessionsStarted) started, \(f.certificatesIssued) certificates issued, \(f.sessionsRefused) refused, \(f.sessionsCancelled) cancelled (unplugged before the certificate)")
            if let stop = f.stopSeconds {
                Output.line(String(
                    format: "  graceful stop (SIGTERM) with %d sessions open: ended after %.2f s by %@; target: exit 0 within 20 s (systemd waits 30): %@",
                    f.openSessionsAtStop, stop, f.stopOutcome, verdict(stop < 20 && f.stopOutcome == "exit 0")))
            } else {
                Output.line(String(
                    format: "  graceful stop (SIGTERM) with %d sessions open: still running after %.0f s, then killed; target < 20 s: NOT met",
                    f.openSessionsAtStop, f.stopTimeoutSeconds))
            }
            for line in f.fatalErrors { Output.line("  the daemon trapped: \(line)") }
            if f.debugBuild { Output.line("This is a debug build: build with `swift build -c release` for the figures that count.") }
        }
    }

    // MARK: - Measuring

    private func measure() async throws -> Figures {
        let executable = try agent.path()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-daemon-\(getpid())")
        let dataDir = root.appendingPathComponent("data")
        let spool = dataDir.appendingPathComponent("answers")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let mux = try USBMuxSimulator.start(unixSocketIn: root.appendingPathComponent("mux").path)
        defer { mux.stop() }

        // One loopback port per Android slot, taken now so that the daemon watches them from its start.
        var androidPorts: [UInt16] = []
        for _ in 0..<android {
            let probe = ADBDeviceSimulator(.init(profile: .xiaomiRedmiNote10))
            androidPorts.append(try probe.listen())
            probe.stop()
        }
        let daemon = try DaemonProcess.start(
            executable, ["run", "--data-dir", dataDir.path, "--store", store, "--log-level", "info", "--listen", "127.0.0.1:0"]
                + androidPorts.flatMap { ["--adb-tcp", "127.0.0.1:\($0)"] },
            environment: ["USBMUXD_SOCKET_ADDRESS": mux.socketAddress], log: daemonLog)
        defer { daemon.end() }
        try await daemon.waitForLog(containing: "starting", timeout: .seconds(30))
        try await Task.sleep(for: .seconds(2))  // let start-up settle before the first sample

        // Idle, no device ever plugged.
        let idleStart = try daemon.sample()
        let threadsBefore = daemon.threadTicks()
        let idleClock = ContinuousClock.now
        try await Task.sleep(for: .seconds(idleSeconds))
        let idleEnd = try daemon.sample()
        let threadsAfter = daemon.threadTicks()
        var idleByName: [String: Int] = [:]
        for (tid, after) in threadsAfter {
            let used = after.ticks - (threadsBefore[tid]?.ticks ?? 0)
            if used > 0 { idleByName[after.name, default: 0] += used }
        }
        let idleThreads = idleByName.map { IdleThread(name: $0.key, ticks: $0.value) }
            .sorted { ($0.ticks, $1.name) > ($1.ticks, $0.name) }
        let idleWall = BenchAndroid.ms(ContinuousClock.now - idleClock) / 1000
        let idleCPU = Double(idleEnd.cpuTicks - idleStart.cpuTicks) / Double(sysconf(Int32(_SC_CLK_TCK))) / idleWall * 100

        // Phones plugged and unplugged at random, each slot on its own.
        let answers = ScriptedAnswers.forDevice(store: store)
        let tally = ChurnTally(fds: idleEnd.fds)
        let deadline = ContinuousClock.now + .seconds(seconds)
        let warmAt = ContinuousClock.now + .seconds(seconds / 5)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<phones {
                group.addTask {
                    let encoder = JSONEncoder()
                    var plugged: SimulatedIOSDevice?
                    while ContinuousClock.now < deadline {
                        if let phone = plugged {
                            try await Task.sleep(for: .milliseconds(Int.random(in: 2000...8000)))
                            mux.detach(udid: phone.udid)
                            plugged = nil
                        } else {
                            try await Task.sleep(for: .milliseconds(Int.random(in: 300...3000)))
                            let count = tally.plugs.add(1, ordering: .relaxed).newValue
                            var phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
                            phone.imei = [SyntheticIssuance.imei("35209412" + String(format: "%06d", count))]
                            // One customer a phone: the holder follows the plug, not the slot (max_live_certificates_per_holder).
                            let data = try encoder.encode(answers(count))
                            try data.write(to: spool.appendingPathComponent("ios:\(phone.udid).json"))
                            mux.attach(phone, latency: .milliseconds(2), alreadyPaired: true)
                            plugged = phone
                        }
                    }
                    if let phone = plugged { mux.detach(udid: phone.udid) }
                }
            }
            for port in androidPorts {
                group.addTask {
                    let encoder = JSONEncoder()
                    var plugged: ADBDeviceSimulator?
                    while ContinuousClock.now < deadline {
                        if let phone = plugged {
                            try await Task.sleep(for: .milliseconds(Int.random(in: 3000...9000)))
                            phone.stop()
                            plugged = nil
                        } else {
                            try await Task.sleep(for: .milliseconds(Int.random(in: 1500...4000)))
                            let count = tally.plugs.add(1, ordering: .relaxed).newValue
                            var profile = ADBDeviceProfile.xiaomiRedmiNote10
                            profile.properties["ro.serialno"] = "benchA\(count)"
                            // Both SIM slots get IMEIs of their own: a shared second IMEI would link every phone to the first.
                            let imei = SyntheticIssuance.imei("35209413" + String(format: "%06d", count))
                            let second = SyntheticIssuance.imei("35209414" + String(format: "%06d", count))
                            for code in [3, 4] {
                                profile.commands["service call iphonesubinfo \(code) i32 0 s16 com.android.shell"] = .init(stdout: ADBDeviceProfile.parcel(imei))
                                profile.commands["service call iphonesubinfo \(code) i32 1 s16 com.android.shell"] = .init(stdout: ADBDeviceProfile.parcel(second))
                            }
                            profile.commands["service call iphonesubinfo 1 s16 com.android.shell"] = .init(stdout: ADBDeviceProfile.parcel(imei))
                            let data = try encoder.encode(answers(count))
                            try data.write(to: spool.appendingPathComponent("tcp:127.0.0.1:\(port).json"))
                            let phone = ADBDeviceSimulator(.init(
                                profile: profile, shellLatency: .milliseconds(30), auth: .trusting([], onNewKey: .allowAfter(.zero))))
                            _ = try phone.listen(port: port)
                            plugged = phone
                        }
                    }
                    plugged?.stop()
                }
            }
            group.addTask {
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: .seconds(1))
                    let now = try daemon.sample()
                    tally.fdsMax.withLock { $0 = max($0, now.fds) }
                    if ContinuousClock.now >= warmAt { tally.warm.withLock { if $0 == nil { $0 = now } } }
                }
            }
            try await group.waitForAll()
        }
        // Every phone is out; the sessions' ends are logged and their tasks gone before the end sample.
        try await Task.sleep(for: .seconds(5))
        let end = try daemon.sample()
        let counts = daemon.counts()
        // Answers files never taken (a phone unplugged before its session started) would stay: clear them.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: spool.path)) ?? [] where name.hasSuffix(".json") {
            try? FileManager.default.removeItem(at: spool.appendingPathComponent(name))
        }

        // Ten sessions open (no answers: each waits at the checklist), then SIGTERM.
        let waitingBefore = counts.waiting
        var open: [SimulatedIOSDevice] = []
        for _ in 0..<phones {
            let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
            mux.attach(phone, latency: .milliseconds(2), alreadyPaired: true)
            open.append(phone)
        }
        let openDeadline = ContinuousClock.now + .seconds(60)
        while daemon.counts().waiting - waitingBefore < phones, ContinuousClock.now < openDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let openSessions = daemon.counts().waiting - waitingBefore
        let stop = try await daemon.stopGracefully(timeout: .seconds(stopTimeout))
        for phone in open { mux.detach(udid: phone.udid) }

        let warmSample = tally.warm.withLock { $0 } ?? end
        return Figures(
            phones: phones, androidPhones: android, churnSeconds: seconds, plugs: tally.plugs.load(ordering: .relaxed),
            rssStartMiB: Double(idleEnd.rssKiB) / 1024, rssWarmMiB: Double(warmSample.rssKiB) / 1024,
            rssEndMiB: Double(end.rssKiB) / 1024,
            rssGrowthPercent: (Double(end.rssKiB) / Double(idleEnd.rssKiB) - 1) * 100,
            rssGrowthAfterWarmUpPercent: (Double(end.rssKiB) / Double(warmSample.rssKiB) - 1) * 100,
            fdsStart: idleEnd.fds, fdsEnd: end.fds, fdsMax: max(tally.fdsMax.withLock { $0 }, end.fds),
            idleSeconds: idleWall, idleCPUPercent: idleCPU, sessionsStarted: counts.started,
            certificatesIssued: counts.issued, sessionsRefused: counts.refused, sessionsCancelled: counts.cancelled,
            openSessionsAtStop: openSessions, stopSeconds: stop.seconds, stopTimeoutSeconds: stopTimeout, stopOutcome: stop.outcome,
            fatalErrors: daemon.counts().fatalErrors, idleThreads: idleThreads,
            targetGrowthPercent: 10, targetFds: 200, targetIdleCPUPercent: 0.1, debugBuild: BuildKind.isDebug)
    }
}

/// What the phone slots and the sampler share while the phones come and go.
final class ChurnTally: Sendable {
    let plugs = Atomic<Int>(0)
    let fdsMax: Mutex<Int>
    /// The sample after the first fifth of the run: the daemon warmed up (libraries loaded, caches filled).
    let warm = Mutex<ProcSample?>(nil)

    init(fds: Int) { fdsMax = Mutex(fds) }
}

/// One look at a process in /proc: resident memory, open descriptors and CPU time so far.
struct ProcSample: Sendable {
    var rssKiB: Int
    var fds: Int
    /// utime + stime, in clock ticks.
    var cpuTicks: Int

    init(pid: Int32) throws {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        else { throw Failure("The daemon (pid \(pid)) is gone: the benchmark cannot sample it.") }
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?
            .split(separator: " ").dropFirst().first.flatMap { Int($0) }
        guard let rss, let ticks = Self.cpuTicks(stat: stat) else {
            throw Failure("/proc/\(pid) reads unlike Linux's: the benchmark cannot sample the daemon.")
        }
        self.rssKiB = rss
        self.fds = fds.count
        self.cpuTicks = ticks
    }

    /// utime + stime from a /proc `stat` line: after the command name's closing parenthesis, state is field 3,
    /// utime and stime fields 14 and 15.
    static func cpuTicks(stat: String) -> Int? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let utime = Int(fields[11]), let stime = Int(fields[12]) else { return nil }
        return utime + stime
    }
}

/// The daemon as a child process, its stderr (the session log) read on a thread of its own and counted.
final class DaemonProcess: Sendable {
    struct Counts: Sendable {
        var lines = 0
        var started = 0
        var issued = 0
        var refused = 0
        var cancelled = 0
        /// Sessions that reached the checklist and wait for the consultant's answers.
        var waiting = 0
        var fatalErrors: [String] = []
        var recent: [String] = []
    }

    let process: Process
    private let state = Mutex(Counts())

    private init(process: Process) {
        self.process = process
    }

    static func start(_ executable: String, _ arguments: [String], environment: [String: String], log: String?) throws
        -> DaemonProcess
    {
        let copy: FileHandle?
        if let log {
            guard FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) else {
                throw Failure("Cannot write the daemon's log to \(log): check the path.")
            }
            copy = handle
        } else {
            copy = nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let daemon = DaemonProcess(process: process)
        let reader = err.fileHandleForReading
        let thread = Thread { daemon.readLog(reader, copy: copy) }
        thread.name = "bench-daemon stderr"
        thread.start()
        return daemon
    }

    private func readLog(_ handle: FileHandle, copy: FileHandle?) {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return }
            copy?.write(chunk)
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                count(line)
            }
        }
    }

    private func count(_ line: String) {
        state.withLock { counts in
            counts.lines += 1
            if line.hasSuffix("] session started") { counts.started += 1 }
            if line.contains("event=certificate_issued") { counts.issued += 1 }
            if line.contains("event=refused") { counts.refused += 1 }
            // An unplug after the certificate (or a refusal) ends a finished session; before it, a cancelled one.
            if line.contains("event=unplugged"),
                !["state=certificate_issued", "state=printed", "state=refused", "state=offer_declined"].contains(where: line.contains)
            {
                counts.cancelled += 1
            }
            if line.contains("event=answers_pending") { counts.waiting += 1 }
            if line.contains("Fatal error:"), counts.fatalErrors.count < 3 { counts.fatalErrors.append(line) }
            counts.recent.append(line)
            if counts.recent.count > 20 { counts.recent.removeFirst() }
        }
    }

    func counts() -> Counts { state.withLock { $0 } }

    func sample() throws -> ProcSample { try ProcSample(pid: process.processIdentifier) }

    /// Each thread's name and CPU time so far (utime + stime, clock ticks), by thread id.
    func threadTicks() -> [String: (name: String, ticks: Int)] {
        let tasks = "/proc/\(process.processIdentifier)/task"
        var result: [String: (name: String, ticks: Int)] = [:]
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? [] {
            guard let stat = try? String(contentsOfFile: "\(tasks)/\(tid)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                let ticks = ProcSample.cpuTicks(stat: stat)
            else { continue }
            result[tid] = (String(stat[stat.index(after: open)..<close]), ticks)
        }
        return result
    }

    func waitForLog(containing text: String, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.recent.contains { $0.contains(text) } }) { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let log = state.withLock { $0.recent.joined(separator: "\n") }
        throw Failure("intake-agent run did not start (its log: \(log.isEmpty ? "nothing" : log)).")
    }

    /// SIGTERM, then the time until the process has exited and how (`exit N`, `signal N`); `nil` seconds when
    /// it still ran after `timeout`, as systemd would find it, and was then killed.
    func stopGracefully(timeout: Duration) async throws -> (seconds: Double?, outcome: String) {
        let start = ContinuousClock.now
        Glibc.kill(process.processIdentifier, SIGTERM)
        while process.isRunning, ContinuousClock.now - start < timeout {
            try await Task.sleep(for: .milliseconds(5))
        }
        guard !process.isRunning else {
            end()
            while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
            return (nil, "SIGKILL after \(timeout)")
        }
        let seconds = BenchAndroid.ms(ContinuousClock.now - start) / 1000
        let how = process.terminationReason == .exit ? "exit" : "signal"
        return (seconds, "\(how) \(process.terminationStatus)")
    }

    /// Ends the daemon at once if it still runs (the benchmark failed part-way).
    func end() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}
