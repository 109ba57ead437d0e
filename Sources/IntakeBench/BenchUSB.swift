// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation

struct BenchUSB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usb",
        abstract: "Hotplug latency under umockdev and idle CPU use.",
        discussion: """
            Plugs emulated phones into a umockdev testbed (bench/usb/bench_usb.py) and measures, from each "add" \
            uevent, the time to this agent's classified `arrived` event with strings, one device at a time and \
            eight at once on a hub; then the agent's CPU use with no device. The floor is a minimal C libusb \
            hotplug program (bench/usb/hotplug_floor.c, compiled with gcc here) watching the same events side by \
            side, so "agent after floor" is the agent's own time per event on one clock. Needs the source tree \
            and the packages of scripts/install-deps.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var agent: AgentExecutable

    @Option(help: "How many single plugs, and how many rounds of eight, to time.")
    var rounds = 20

    @Option(help: "How long to watch the idle agent's CPU use, in seconds (60 for the full figure).")
    var idleSeconds = 10.0

    @Option(help: "The intake-agent source tree holding bench/usb; found from the binary's location by default.")
    var sourceDir: String?

    @Flag(help: "Prints the figures as one JSON object.")
    var json = false

    func validate() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be at least 1.") }
        guard idleSeconds > 0 else { throw ValidationError("--idle-seconds must be above 0.") }
    }

    func run() async throws {
        try await reportingFailures {
            let agentPath = try agent.path()
            let source = try findSourceDir()
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-usb-\(getpid())")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }

            let floor = scratch.appendingPathComponent("hotplug_floor").path
            let flags = try Self.run("/usr/bin/pkg-config", ["--cflags", "--libs", "libusb-1.0"])
            guard flags.status == 0 else {
                throw Failure("pkg-config does not know libusb-1.0: run scripts/install-deps.")
            }
            let compile = try Self.run(
                "/usr/bin/gcc",
                ["-O2", "-o", floor, source + "/bench/usb/hotplug_floor.c"]
                    + flags.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            guard compile.status == 0 else {
                throw Failure("gcc could not build bench/usb/hotplug_floor.c (see above): install gcc and libusb-1.0-0-dev.")
            }
            let measured = try Self.run(
                "/usr/bin/umockdev-wrapper",
                [
                    "/usr/bin/python3", source + "/bench/usb/bench_usb.py", "--agent", agentPath,
                    "--floor", floor, "--rounds", String(rounds), "--idle-seconds", String(idleSeconds),
                ])
            guard measured.status == 0, let line = measured.output.split(separator: "\n").last,
                let figures = try? JSONDecoder().decode(Figures.self, from: Data(line.utf8))
            else {
                throw Failure("The USB benchmark failed (\(measured.output.suffix(400))): check that umockdev and python3-gi are installed.")
            }
            if json {
                try Output.json(figures)
            } else {
                print(figures)
            }
        }
    }

    private func print(_ figures: Figures) {
        func row(_ name: String, _ agent: Figures.Latency?, _ floor: Figures.Latency?) -> String {
            func cell(_ latency: Figures.Latency?) -> String {
                guard let latency else { return "-" }
                return String(format: "median %7.3f ms  p95 %7.3f ms", latency.medianMS, latency.p95MS)
            }
            return name.padding(toLength: 26, withPad: " ", startingAt: 0) + cell(agent) + "   |  " + cell(floor)
        }
        Output.line("USB hotplug under umockdev, \(figures.rounds) rounds: from the \"add\" uevent to the event")
        Output.line("".padding(toLength: 26, withPad: " ", startingAt: 0) + "agent (classified, strings)          |  floor (C libusb callback)")
        Output.line(row("one device", figures.agent.oneDevice, figures.floor.oneDevice))
        Output.line(row("eight at once, each", figures.agent.eightAtOnce, figures.floor.eightAtOnce))
        Output.line(row("eight at once, all", figures.agent.eightAllArrived, figures.floor.eightAllArrived))
        Output.line(row("agent after floor, one", figures.agent.afterFloorOne, nil))
        Output.line(row("agent after floor, eight", figures.agent.afterFloorEight, nil))
        Output.line(row("(testbed's own add)", figures.agent.testbedAdd, nil))
        Output.line(
            String(
                format: "idle CPU, no device:      agent %.3f%% over %.0f s             |  floor %.3f%% over %.0f s",
                figures.agent.idle.cpuPercent, figures.agent.idle.seconds, figures.floor.idle.cpuPercent,
                figures.floor.idle.seconds))
        Output.line("Targets: classified arrival within 20 ms of the uevent; idle CPU under 0.1%.")
    }

    private func findSourceDir() throws -> String {
        var candidates: [String] = []
        if let sourceDir { candidates.append(sourceDir) }
        var directory = URL(fileURLWithPath: (try? AgentExecutable.selfPath()) ?? CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory.path)
            directory.deleteLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath)
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate + "/bench/usb/bench_usb.py") {
            return candidate
        }
        throw Failure("bench/usb is not found: run the benchmark from the intake-agent source tree or pass --source-dir.")
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// What bench/usb/bench_usb.py prints.
struct Figures: Codable {
    struct Latency: Codable {
        var medianMS: Double
        var p95MS: Double
        var samples: Int
        enum CodingKeys: String, CodingKey { case medianMS = "median_ms", p95MS = "p95_ms", samples }
    }
    struct Idle: Codable {
        var cpuPercent: Double
        var seconds: Double
        var cpuSeconds: Double
        enum CodingKeys: String, CodingKey { case cpuPercent = "cpu_percent", seconds, cpuSeconds = "cpu_seconds" }
    }
    struct Program: Codable {
        var oneDevice: Latency?
        var eightAtOnce: Latency?
        var eightAllArrived: Latency?
        /// The testbed's own time to write a device's files and send its uevent (before the figures above start).
        var testbedAdd: Latency?
        /// The agent's own time per event: from the floor's callback to the agent's classified event.
        var afterFloorOne: Latency?
        var afterFloorEight: Latency?
        var idle: Idle
        enum CodingKeys: String, CodingKey {
            case oneDevice = "one_device", eightAtOnce = "eight_at_once", eightAllArrived = "eight_all_arrived", idle
            case testbedAdd = "testbed_add", afterFloorOne = "after_floor_one", afterFloorEight = "after_floor_eight"
        }
    }
    var rounds: Int
    var agent: Program
    var floor: Program
}
