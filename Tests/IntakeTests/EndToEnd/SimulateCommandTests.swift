// SPDX-License-Identifier: Apache-2.0
//
// `intake-agent simulate` and `simulate ctl` as a test run uses them: the simulators in a child process, read by
// `inspect` through the real libimobiledevice and the ADB engine, checked with the real `ideviceinfo` and `adb`,
// plugged and unplugged under a running daemon.

import Foundation
import Testing

@Suite("simulate: the simulated phones as a tool", .serialized)
struct SimulateCommandTests {
    // MARK: - Helpers

    /// A program run with a deadline (a hung peer fails the test instead of hanging it), stdout and stderr merged.
    /// As `RealADBClientTests` runs `adb`: output through a file, not a pipe (the adb server that `adb connect` forks
    /// keeps the descriptors it inherited), spawned and reaped with `posix_spawn` and `waitpid` (the server's fork
    /// made Foundation's `Process` miss the client's exit), and only the environment given.
    static func run(_ path: String, _ arguments: [String], environment: [String: String], timeout: Double = 30) throws
        -> (status: Int32, out: String)
    {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
        defer { unlink(output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = (["PATH": "/usr/bin:/bin"].merging(environment) { $1 }).map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw CocoaError(.executableLoad, userInfo: [NSFilePathErrorKey: path]) }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                Issue.record("\(path) \(arguments) did not finish within \(timeout) s")
                break
            }
            usleep(10_000)
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : -1, text)
    }

    static func temporaryFile(_ name: String, _ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)")
        try Data(text.utf8).write(to: url)
        return url
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    // MARK: - Tests

    @Test("--list names the built-in profiles, the demo's two and the locked and waiting ones among them")
    func listsProfiles() throws {
        let list = try AgentBinary.runBlocking(["simulate", "--list"])
        #expect(list.status == 0, "\(list.stderr)")
        for name in ["iphone-11", "xiaomi-redmi-note-10", "iphone-12-find-my", "iphone-passcode-locked", "iphone-awaiting-trust",
                     "android-awaiting-allow", "pixel-9-trade-in", "samsung-s10"] {
            #expect(list.stdout.contains(" \(name) "), "\(name) missing:\n\(list.stdout)")
        }
        #expect(list.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("--ios ") || $0.hasPrefix("--android ") })
    }

    @Test("a profile name of the other platform, or neither a name nor a file, is refused in one sentence")
    func unknownProfileNames() throws {
        let android = try AgentBinary.runBlocking(["simulate", "--ios", "samsung-s10"])
        #expect(android.status == 1)
        #expect(android.stderr == "intake-agent: samsung-s10 is a built-in Android profile: pass it with --android.\n", "\(android.stderr)")
        let neither = try AgentBinary.runBlocking(["simulate", "--android", "nokia-3310"])
        #expect(neither.status == 1)
        #expect(neither.stderr.hasPrefix("intake-agent: No built-in Android profile is called nokia-3310 and there is no such file: "), "\(neither.stderr)")
    }

    @Test("inspect reads simulate's iPhone through libimobiledevice and its Android phone over --adb-tcp; ideviceinfo and adb agree; SIGTERM removes the sockets")
    func inspectAndRealClients() throws {
        let simulator = try RunningSimulator(["--ios", "iphone-12-find-my", "--android", "samsung-s10", "--log-level", "debug", "--usbmuxd-port", "0"])
        let environment = ["USBMUXD_SOCKET_ADDRESS": simulator.socketAddress]
        #expect(simulator.socketAddress == "UNIX:" + simulator.usbmuxdSocket)
        let udid = "00008101-000A3D1C0E42001E"

        let ios = try AgentBinary.runBlocking(["inspect", "--udid", udid, "--json"], environment: environment)
        #expect(ios.status == 0, "\(ios.stderr)")
        let facts = Self.json(ios.stdout)
        #expect(facts["serial"] as? String == "F2LDN0Q7P3XY", "\(ios.stdout)")
        #expect((facts["locks"] as? [String: Any])?["find_my"] as? Bool == true, "\(ios.stdout)")
        #expect(facts["imei"] as? [String] == ["356372104521888", "356372104521896"], "\(ios.stdout)")

        // The real libimobiledevice client, without our reader: the public values, then a paired session's.
        let info = try Self.run("/usr/bin/ideviceinfo", ["-s", "-u", udid], environment: environment)
        #expect(info.status == 0, "\(info.out)")
        #expect(info.out.contains("ProductType: iPhone13,2"), "\(info.out)")
        let serial = try Self.run("/usr/bin/ideviceinfo", ["-u", udid, "-k", "SerialNumber"], environment: environment)
        #expect(serial.out == "F2LDN0Q7P3XY\n", "\(serial.out)")
        // The same usbmuxd on loopback TCP (--usbmuxd-port), as its stderr says.
        let tcpLine = try #require(simulator.stderrLines.first { $0.contains("usbmuxd listens on 127.0.0.1:") })
        let tcp = try #require(tcpLine.split(separator: " ").first { $0.hasPrefix("127.0.0.1:") })
        let overTCP = try Self.run("/usr/bin/idevice_id", ["-l"], environment: ["USBMUXD_SOCKET_ADDRESS": String(tcp)])
        #expect(overTCP.out == udid + "\n", "\(overTCP.out)")
        // --log-level debug logs each request the devices get.
        #expect(simulator.stderrLines.contains { $0.contains("lockdown request") && $0.contains("GetValue") }, "\(simulator.stderrLines)")

        let endpoint = try #require(simulator.adbEndpoints.first)
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let android = try AgentBinary.runBlocking(["inspect", "--adb-tcp", endpoint, "--json", "--data-dir", dataDir.path])
        #expect(android.status == 0, "\(android.stderr)")
        let phone = Self.json(android.stdout)
        #expect((phone["model"] as? [String: Any])?["identifier"] as? String == "SM-G973F", "\(android.stdout)")
        let accounts = (phone["locks"] as? [String: Any])?["accounts"] as? [Any]
        #expect(accounts?.count == 2, "\(android.stdout)")

        // Debian's adb, with a server and a key of its own, is let in (the profile taps Allow) and runs a shell.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("adb-home-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let adbEnvironment = ["HOME": home.path, "ANDROID_USER_HOME": home.appendingPathComponent(".android").path, "ADB_MDNS": "0"]
        let serverPort = String(Int.random(in: 20_000...29_999))
        func adb(_ arguments: String...) throws -> (status: Int32, out: String) {
            try Self.run("/usr/bin/adb", ["-P", serverPort] + arguments, environment: adbEnvironment)
        }
        defer { _ = try? adb("kill-server") }
        _ = try adb("connect", endpoint)
        #expect(try adb("-s", endpoint, "wait-for-device").status == 0)
        let model = try adb("-s", endpoint, "shell", "getprop", "ro.product.model")
        #expect(model.out.trimmingCharacters(in: .whitespacesAndNewlines) == "SM-G973F", "\(model.out)")
        #expect(simulator.stderrLines.contains { $0.contains("adb stream") && $0.contains("getprop ro.product.model") }, "\(simulator.stderrLines)")
        #expect(simulator.stderrLines.contains { $0.contains("adb handshake") })

        #expect(simulator.stop() == 0, "\(simulator.stderrLines.joined(separator: "\n"))")
        #expect(!FileManager.default.fileExists(atPath: simulator.usbmuxdSocket))
        #expect(!FileManager.default.fileExists(atPath: simulator.control))
    }

    @Test("ctl plug and unplug: a running daemon sees the iPhone and the Android phone leave and arrive again")
    func plugUnplugUnderTheDaemon() async throws {
        let simulator = try RunningSimulator(["--ios", "iphone-11", "--android", "samsung-a50"])
        let endpoint = try #require(simulator.adbEndpoints.first)
        let daemon = try RunningDaemon(socketAddress: simulator.socketAddress, arguments: ["--adb-tcp", endpoint]) {
            try ConsoleAPITests.addConsultant("C1", pin: "2468", in: $0)
        }
        let base = try #require(daemon.consoleURL())
        let token = try #require(try await ConsoleAPITests.login(base).json["token"] as? String)
        let api = HTTPCall(base: base, token: token)
        let iPhone = "ios:00008030-001A2C3E0C38802E"
        let android = "tcp:\(endpoint)"
        daemon.waitFor("device=\(iPhone)", "event=answers_pending")
        daemon.waitFor("device=\(android)", "event=answers_pending")
        #expect(try await Self.state(api, device: iPhone) == "checklist")

        let unplugged = try simulator.ctl("unplug", "iphone-11")
        #expect(unplugged.status == 0, "\(unplugged.stderr)")
        #expect(unplugged.stdout == "iphone-11 unplugged.\n")
        #expect(try await Self.waitForState(api, device: iPhone, "cancelled"))
        #expect(try simulator.ctl("unplug", "samsung-a50").status == 0)
        daemon.waitFor("device=\(android)", "event=unplugged")

        #expect(try simulator.ctl("plug", "iphone-11").status == 0)
        #expect(try await Self.waitForState(api, device: iPhone, "checklist"))
        #expect(try simulator.ctl("plug", "samsung-a50").status == 0)
        #expect(try await Self.waitForState(api, device: android, "checklist"))

        // A name the bench does not have and a value no device has are refused in one sentence.
        let unknown = try simulator.ctl("unplug", "iphone-99")
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "intake-agent: No simulated device is called iphone-99: this bench has iphone-11, samsung-a50.\n", "\(unknown.stderr)")
        let badKey = try simulator.ctl("set", "iphone-11", "colour=red")
        #expect(badKey.status == 1)
        #expect(badKey.stderr.hasPrefix("intake-agent: colour is not a value an iOS device can change: use find_my, "), "\(badKey.stderr)")
        #expect(daemon.process.isRunning)
        daemon.send(SIGTERM)
        #expect(daemon.exitStatus(within: 25).status == 0)
        #expect(simulator.stop() == 0)
    }

    @Test("ctl trust, allow and set: a phone waiting for Trust, one waiting for Allow and a Find My-locked one are read once the bench acts")
    func trustAllowAndFix() async throws {
        let simulator = try RunningSimulator(["--ios", "iphone-awaiting-trust", "--ios", "iphone-12-find-my", "--android", "android-awaiting-allow"])
        let endpoint = try #require(simulator.adbEndpoints.first)
        let daemon = try RunningDaemon(socketAddress: simulator.socketAddress, arguments: ["--adb-tcp", endpoint]) {
            try ConsoleAPITests.addConsultant("C1", pin: "2468", in: $0)
        }
        let base = try #require(daemon.consoleURL())
        let api = HTTPCall(base: base, token: try #require(try await ConsoleAPITests.login(base).json["token"] as? String))
        let waiting = "ios:00008030-00164D2A1E98802E"
        let findMy = "ios:00008101-000A3D1C0E42001E"
        let android = "tcp:\(endpoint)"

        #expect(try await Self.waitForState(api, device: waiting, "awaiting_authorization"))
        #expect(try simulator.ctl("trust", "iphone-awaiting-trust").status == 0)
        #expect(try await Self.waitForState(api, device: waiting, "checklist"))

        #expect(try await Self.waitForState(api, device: android, "awaiting_authorization"))
        let allowed = try simulator.ctl("allow", "android-awaiting-allow")
        #expect(allowed.stdout.contains("Allow tapped"), "\(allowed.stdout)\(allowed.stderr)")
        #expect(try await Self.waitForState(api, device: android, "checklist"))

        let refused = try await Self.waitForSession(api, device: findMy) { $0["state"] as? String == "refused" }
        let refusedLocks = (refused?["device"] as? [String: Any])?["locks"] as? [String: Any]
        #expect(refusedLocks?["find_my"] as? Bool == true, "\(String(describing: refused))")
        let fixed = try simulator.ctl("set", "iphone-12-find-my", "find_my=off")
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(try simulator.ctl("unplug", "iphone-12-find-my").status == 0)
        // A refused session is over: the plug below starts a new one (usbmuxd's Detached, then Attached).
        #expect(try simulator.ctl("plug", "iphone-12-find-my").status == 0)
        // Read anew: a session of its own, whose facts now say Find My is off.
        let oldID = refused?["id"] as? String
        let session = try await Self.waitForSession(api, device: findMy) { session in
            session["id"] as? String != oldID && ["checklist", "refused"].contains(session["state"] as? String ?? "")
        }
        let locks = (session?["device"] as? [String: Any])?["locks"] as? [String: Any]
        #expect(locks?["find_my"] as? Bool == false, "\(String(describing: session))")

        // trust is for an iPhone; an Android phone is told to use allow.
        let wrong = try simulator.ctl("trust", "android-awaiting-allow")
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("with `allow android-awaiting-allow`"), "\(wrong.stderr)")
        daemon.send(SIGTERM)
        #expect(daemon.exitStatus(within: 25).status == 0)
        #expect(simulator.stop() == 0)
    }

    @Test("a faulty profile (drop after N requests) ends inspect's read with one sentence, exit 1", arguments: ["ios", "android"])
    func faultyProfileEndsTheRead(platform: String) throws {
        let profile = platform == "ios"
            ? #"{"platform": "ios", "name": "dropping-iphone", "base": "iphone-11", "faults": {"drop_after_requests": 4}}"#
            : #"{"platform": "android", "name": "dropping-android", "base": "samsung-s10", "auth": "none", "faults": {"drop_after_requests": 1}}"#
        let file = try Self.temporaryFile("faulty.json", profile)
        defer { try? FileManager.default.removeItem(at: file) }
        let simulator = try RunningSimulator(["--\(platform)", file.path])
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("faulty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let arguments = platform == "ios"
            ? ["inspect", "--udid", "00008030-001A2C3E0C38802E", "--json"]
            : ["inspect", "--adb-tcp", try #require(simulator.adbEndpoints.first), "--json"]
        let read = try AgentBinary.runBlocking(
            arguments + ["--data-dir", dataDir.path], environment: ["USBMUXD_SOCKET_ADDRESS": simulator.socketAddress])
        #expect(read.status == 1, "\(read.stdout)\(read.stderr)")
        let lines = read.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1, "\(read.stderr)")
        #expect(read.stderr.hasPrefix("intake-agent: ") && read.stderr.hasSuffix(".\n"), "\(read.stderr)")
        #expect(simulator.stop() == 0)
    }

    struct BadProfile: Sendable, CustomTestStringConvertible {
        let flag: String
        let json: String
        /// What the sentence says after "The profile FILE is refused at ".
        let expected: String
        var testDescription: String { expected }
    }

    @Test("a profile file with a mistake is refused with the file, the field and what was expected", arguments: [
        BadProfile(flag: "--ios", json: #"{"platform": "ios", "name": "x", "base": "iphone-11", "battery": {"cycle_count": "412"}}"#,
                   expected: #"battery.cycle_count: expected a whole number from 0 to 100000, found "412"."#),
        BadProfile(flag: "--ios", json: #"{"platform": "ios", "name": "x", "base": "iphone-11", "batery": {}}"#,
                   expected: "batery: expected no such field: one of platform, name, summary, base, identity, imei, storage_bytes, lockdown, locks, battery, trust, faults."),
        BadProfile(flag: "--android", json: #"{"platform": "android", "name": "x", "base": "samsung-s10", "auth": "maybe"}"#,
                   expected: #"auth: expected one of "allows", "asks", "none", found "maybe"."#),
        BadProfile(flag: "--ios", json: #"{"platform": "ios", "name": "x", "identity": {"udid": "00008030-001A2C3E0C38802E"}, "storage_bytes": 1, "battery": {"design_capacity_mah": 1, "cycle_count": 1}}"#,
                   expected: "identity.serial_number: expected a value (profiles without a base give it) (the field is missing)."),
        BadProfile(flag: "--android", json: #"{"platform": "ios", "name": "x", "base": "iphone-11"}"#,
                   expected: #"platform: expected "android" for --android (this is an iOS profile: pass it with --ios), found "ios"."#),
    ])
    func badProfileRefused(_ bad: BadProfile) throws {
        let file = try Self.temporaryFile("bad.json", bad.json)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try AgentBinary.runBlocking(["simulate", bad.flag, file.path])
        #expect(run.status == 1)
        #expect(run.stderr == "intake-agent: The profile \(file.path) is refused at \(bad.expected)\n", "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test("the README's profile examples load, and its iOS example is read once Trust is tapped")
    func readmeProfiles() throws {
        let readme = try String(contentsOf: CIScriptTests.packageRoot().appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```json\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        let profiles = blocks.filter { $0.contains("\"platform\"") }
        #expect(profiles.count == 2, "\(profiles)")
        let ios = try Self.temporaryFile("readme-ios.json", try #require(profiles.first { $0.contains("\"ios\"") }))
        let android = try Self.temporaryFile("readme-android.json", try #require(profiles.first { $0.contains("\"android\"") }))
        defer { [ios, android].forEach { try? FileManager.default.removeItem(at: $0) } }
        let simulator = try RunningSimulator(["--ios", ios.path, "--android", android.path])
        let list = try simulator.ctl("list")
        #expect(list.stdout.contains("dana-iphone-13 ios 00008110-000A1B2C3D4E5F60 plugged"), "\(list.stdout)\(list.stderr)")
        #expect(list.stdout.contains("galaxy-with-google android 127.0.0.1:"), "\(list.stdout)")
        let environment = ["USBMUXD_SOCKET_ADDRESS": simulator.socketAddress]
        let waiting = try AgentBinary.runBlocking(["inspect", "--udid", "00008110-000A1B2C3D4E5F60", "--json"], environment: environment)
        #expect(Self.json(waiting.stdout)["pairing"] as? String == "awaiting_trust", "\(waiting.stdout)\(waiting.stderr)")
        #expect(try simulator.ctl("trust", "dana-iphone-13").status == 0)
        let read = try AgentBinary.runBlocking(["inspect", "--udid", "00008110-000A1B2C3D4E5F60", "--json"], environment: environment)
        let facts = Self.json(read.stdout)
        #expect(facts["serial"] as? String == "K9XQ2M7N4P1R", "\(read.stdout)\(read.stderr)")
        #expect((facts["battery"] as? [String: Any])?["cycle_count"] as? Int == 520)
        #expect(simulator.stop() == 0)
    }

    // MARK: - The console's view of the bench

    static func sessions(_ api: HTTPCall) async throws -> [[String: Any]] {
        try await api.send("GET", "api/v1/sessions").json["sessions"] as? [[String: Any]] ?? []
    }

    static func state(_ api: HTTPCall, device: String) async throws -> String? {
        try await sessions(api).last { $0["device_key"] as? String == device }?["state"] as? String
    }

    /// Waits (up to 60 s) for the device's newest session to match.
    static func waitForSession(_ api: HTTPCall, device: String, _ matches: ([String: Any]) -> Bool) async throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(60)
        var last: [String: Any]?
        while Date() < deadline {
            last = try await sessions(api).last { $0["device_key"] as? String == device }
            if let last, matches(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("no matching session of \(device) within 60 s; the last: \(String(describing: last))")
        return nil
    }

    /// Waits for the device's newest session to be in `state`.
    static func waitForState(_ api: HTTPCall, device: String, _ state: String) async throws -> Bool {
        try await waitForSession(api, device: device) { $0["state"] as? String == state } != nil
    }
}
