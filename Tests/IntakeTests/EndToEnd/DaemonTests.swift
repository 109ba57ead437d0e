// SPDX-License-Identifier: Apache-2.0
//
// `intake-agent run` as systemd runs it: the built binary in a child process (SIGPIPE at its default action, as
// a service starts), iPhones from a usbmuxd simulator of its own, real signals sent to it.

import DeviceSimulators
import Foundation
import Grading
import Intake
import Testing

/// The daemon's journal lines, appended by the reading thread and read by the test.
final class JournalLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }

    private var ended = false

    /// Appends each line `handle` gives, on a thread of its own, until it ends (a last line without its newline too).
    func collect(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0a) {
                    append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
            }
            if !buffer.isEmpty { append(String(decoding: buffer, as: UTF8.self)) }
            lock.withLock { ended = true }
        }
    }

    /// Waits until the collected output has ended (its writer closed it), up to `seconds`.
    func waitForEnd(seconds: Double = 10) {
        let deadline = Date().addingTimeInterval(seconds)
        while !lock.withLock({ ended }) && Date() < deadline { usleep(5_000) }
    }
}

/// A running daemon whose standard error (its journal) is collected line by line.
final class RunningDaemon: @unchecked Sendable {
    let process = Process()
    let dataDirectory: URL
    private let lines = JournalLines()

    /// `prepare` runs on the new data directory before the daemon starts (adding consultants, say).
    convenience init(
        simulator: USBMuxSimulator, arguments: [String] = [], environment extra: [String: String] = [:],
        prepare: (URL) throws -> Void = { _ in }
    ) throws {
        try self.init(socketAddress: simulator.socketAddress, arguments: arguments, environment: extra, prepare: prepare)
    }

    /// A daemon whose usbmuxd is at `socketAddress` (`UNIX:/path` or `127.0.0.1:PORT`: `simulate`'s, say).
    init(
        socketAddress: String, arguments: [String] = [], environment extra: [String: String] = [:],
        prepare: (URL) throws -> Void = { _ in }
    ) throws {
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try prepare(dataDirectory)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal=PIPE", try AgentBinary.url().path, "run", "--data-dir", dataDirectory.path,
            "--store", "ALA-MEGA2", "--spool-interval", "0.1", "--listen", "127.0.0.1:0"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["USBMUXD_SOCKET_ADDRESS"] = socketAddress
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        lines.collect(err.fileHandleForReading)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    var journal: [String] { lines.all }

    /// Waits for a journal line containing every one of `parts`; fails the test with the journal when none comes.
    @discardableResult
    func waitFor(_ parts: String..., seconds: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = journal.first(where: { line in parts.allSatisfy(line.contains) }) { return line }
            usleep(20_000)
        }
        Issue.record("no journal line with \(parts) within \(seconds) s:\n\(journal.joined(separator: "\n"))", sourceLocation: sourceLocation)
        return nil
    }

    /// Waits for a journal line of `device` with one of `events`.
    @discardableResult
    func waitForAny(_ events: [String], device: String, seconds: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = journal.first(where: { line in line.contains(device) && events.contains(where: line.contains) }) { return line }
            usleep(20_000)
        }
        Issue.record("no journal line of \(device) with one of \(events) within \(seconds) s:\n\(journal.joined(separator: "\n"))", sourceLocation: sourceLocation)
        return nil
    }

    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The console's address, from the daemon's "console listening on" line.
    func consoleURL(sourceLocation: SourceLocation = #_sourceLocation) -> URL? {
        guard let line = waitFor("console listening on http://", sourceLocation: sourceLocation),
            let start = line.range(of: "http://")
        else { return nil }
        let end = line[start.lowerBound...].firstIndex(of: " ") ?? line.endIndex
        return URL(string: String(line[start.lowerBound..<end]))
    }

    /// Waits for the daemon to end: its exit code, or `nil` when a signal ended it (or it did not end in time).
    func exitStatus(within seconds: Double) -> (status: Int32?, seconds: Double) {
        let start = Date()
        while process.isRunning && Date().timeIntervalSince(start) < seconds { usleep(10_000) }
        let took = Date().timeIntervalSince(start)
        guard !process.isRunning else { return (nil, took) }
        return (process.terminationReason == .exit ? process.terminationStatus : nil, took)
    }
}

@Suite("the bench daemon under real signals and dropped phones", .serialized)
struct DaemonTests {
    static func answers(iin: String) -> IntakeAnswers {
        var checklist = ChecklistAnswers(Dictionary(uniqueKeysWithValues: CheckID.allCases.map { ($0, CheckAnswer.pass) }))
        checklist.cosmetic = .a
        return IntakeAnswers(
            checklist: checklist, box: true, charger: true, acceptOffer: true,
            holder: .init(name: "Нұрлан Әбенов", iin: iin, birthDate: CivilDate(year: 1985, month: 12, day: 31)!, documentNumber: "N1234567"))
    }

    /// A daemon with a clean iPhone read and its session waiting for the consultant's answers.
    static func daemonWithAWaitingPhone(arguments: [String] = []) throws -> (USBMuxSimulator, RunningDaemon, SimulatedIOSDevice) {
        let simulator = try USBMuxSimulator.start()
        let daemon = try RunningDaemon(simulator: simulator, arguments: arguments)
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        simulator.attach(phone, alreadyPaired: true)
        daemon.waitFor("device=ios:\(phone.udid)", "event=answers_pending")
        return (simulator, daemon, phone)
    }

    static func write(_ answers: IntakeAnswers, to url: URL) throws {
        try JSONEncoder().encode(answers).write(to: url)
    }

    @Test("an iPhone that drops its TLS session mid-read ends its session, not the daemon; SIGTERM then stops it with 0",
          arguments: ["StartSession", "com.apple.fmip", "StartService", "IORegistry"])
    func droppedPhoneLeavesTheDaemonUp(step: String) throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let daemon = try RunningDaemon(simulator: simulator)
        daemon.waitFor("intake-agent 0.1.0 starting")
        let dropping = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withSessionSSL()
        simulator.attach(dropping, misbehaviour: .closeAfterReply(request: step), alreadyPaired: true)
        // The session ends with a sentence, or, when the drop came after the last fact (the relay's Goodbye), with
        // an honest complete read; either way the daemon is up.
        let ended = daemon.waitForAny(["event=stopped", "event=answers_pending"], device: "device=ios:\(dropping.udid)")
        if step != "IORegistry" { #expect(ended?.contains("event=stopped") == true, "\(ended ?? "")") }
        #expect(daemon.process.isRunning, "the daemon died after a phone dropped at \(step):\n\(daemon.journal.joined(separator: "\n"))")

        // The bench goes on: the next phone is read.
        let next = SimulatedIOSDevice.oldIPhone7.withFreshIdentity().withSessionSSL()
        simulator.attach(next, alreadyPaired: true)
        daemon.waitFor("device=ios:\(next.udid)", "event=read_completed")
        daemon.send(SIGTERM)
        let (status, _) = daemon.exitStatus(within: 25)
        #expect(status == 0, "\(daemon.journal.joined(separator: "\n"))")
        daemon.waitFor("intake-agent stopped")
    }

    @Test("SIGINT with a session waiting for answers stops it at once, exit 0, nothing issued")
    func gracefulStopWithAWaitingSession() throws {
        let (simulator, daemon, phone) = try Self.daemonWithAWaitingPhone()
        defer { simulator.stop() }
        daemon.send(SIGINT)
        let (status, seconds) = daemon.exitStatus(within: 25)
        #expect(status == 0, "\(daemon.journal.joined(separator: "\n"))")
        // Far below the 20 s escalation: the waiting session stopped instead of hanging on.
        #expect(seconds < 10, "the stop took \(seconds) s")
        daemon.waitFor("open_sessions=1", "stopping sessions")
        daemon.waitFor("device=ios:\(phone.udid)", "event=stopped")
    }

    @Test("a second signal during a slow graceful stop ends the daemon at once with exit 1")
    func secondSignalStopsAtOnce() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let daemon = try RunningDaemon(simulator: simulator)
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        // The battery service never answers: the session sits in the read until the step deadline.
        simulator.attach(phone, misbehaviour: .serviceNeverAnswers(service: "com.apple.mobile.diagnostics_relay"), alreadyPaired: true)
        daemon.waitFor("device=ios:\(phone.udid)", "event=identified")
        usleep(300_000)
        daemon.send(SIGTERM)
        daemon.waitFor("stopping gracefully")
        daemon.send(SIGTERM)
        let (status, seconds) = daemon.exitStatus(within: 5)
        #expect(status == 1, "\(daemon.journal.joined(separator: "\n"))")
        #expect(seconds < 3, "the second signal took \(seconds) s")
        daemon.waitFor("received again: stopping at once")
    }

    @Test("the spool: a wrong IIN is refused with the session still waiting, the corrected file issues and the daemon prints it; IINs masked, 0700")
    func spoolRefusesThenDelivers() throws {
        let slip = FileManager.default.temporaryDirectory.appendingPathComponent("slip-\(UUID().uuidString).txt")
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).json")
        try Data(#"{"printer": "\#(slip.path)", "paper_columns": 32}"#.utf8).write(to: config)
        let (simulator, daemon, phone) = try Self.daemonWithAWaitingPhone(arguments: ["--config", config.path])
        defer { simulator.stop() }
        let spool = daemon.dataDirectory.appendingPathComponent("answers")
        let name = "ios:\(phone.udid).json"
        // 851231450019: the control digit is wrong.
        try Self.write(Self.answers(iin: "851231450019"), to: spool.appendingPathComponent(name))
        daemon.waitFor("answers file \(name) refused", "holder.iin")
        let rejected = try String(contentsOf: spool.appendingPathComponent("rejected/\(name)"), encoding: .utf8)
        #expect(!rejected.contains("851231450019"))
        #expect(rejected.contains("85123145****"))
        let reason = try String(contentsOf: spool.appendingPathComponent("rejected/\(name).reason"), encoding: .utf8)
        #expect(reason.contains("control"))
        #expect(!FileManager.default.fileExists(atPath: spool.appendingPathComponent(name).path))
        #expect(!daemon.journal.contains { $0.contains("851231450019") })

        try Self.write(Self.answers(iin: "851231450018"), to: spool.appendingPathComponent(name))
        let issued = daemon.waitFor("device=ios:\(phone.udid)", "event=certificate_issued", seconds: 60) ?? ""
        // The configured printer gets the slip (32 columns) and the session moves on to printed.
        daemon.waitFor("device=ios:\(phone.udid)", "event=printed")
        let printed = try String(contentsOf: slip, encoding: .utf8)
        // The session's line says "Certificate NUMBER for AMOUNT issued to ...".
        let words = issued.split(separator: " ")
        let number = try #require(words.firstIndex(of: "Certificate").map { words[$0 + 1] }, "\(issued)")
        #expect(printed.contains(number), "\(printed)")
        #expect(printed.split(separator: "\n").allSatisfy { $0.count <= 32 }, "\(printed)")
        // The registry counts the print (the audit log's certificate.printed).
        let show = try AgentBinary.runBlocking(["certificate", "show", String(number), "--data-dir", daemon.dataDirectory.path])
        #expect(show.stdout.contains("printed:   1 time(s)"), "\(show.stdout)\(show.stderr)")
        #expect(!FileManager.default.fileExists(atPath: spool.appendingPathComponent(name).path))
        let done = try FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent("done").path)
        #expect(done.count == 1)
        let copy = try String(contentsOf: spool.appendingPathComponent("done/\(done[0])"), encoding: .utf8)
        #expect(!copy.contains("851231450018"))
        #expect(copy.contains("85123145****"))
        for folder in ["", "done", "rejected"] {
            let mode = try FileManager.default.attributesOfItem(atPath: spool.appendingPathComponent(folder).path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o700, "answers/\(folder)")
        }
        #expect(!daemon.journal.contains { $0.contains("851231450018") })
        daemon.send(SIGTERM)
        #expect(daemon.exitStatus(within: 25).status == 0)
    }

    @Test("--adb-tcp: an Android phone that starts answering is read, one that stops answering leaves; the daemon goes on")
    func androidOverTCP() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        // The consultant taps Allow at once on the phone's "Allow USB debugging?" prompt.
        let adbd = ADBDeviceSimulator(.init(profile: .xiaomiRedmiNote10, auth: .trusting([], onNewKey: .allowAfter(.zero))))
        let port = try adbd.listen()
        let key = "device=tcp:127.0.0.1:\(port)"
        let daemon = try RunningDaemon(simulator: simulator, arguments: ["--adb-tcp", "127.0.0.1:\(port)"])
        daemon.waitFor(key, "event=answers_pending")
        adbd.stop()
        daemon.waitFor(key, "event=unplugged")
        #expect(daemon.process.isRunning)
        daemon.send(SIGTERM)
        #expect(daemon.exitStatus(within: 25).status == 0, "\(daemon.journal.joined(separator: "\n"))")
    }

    @Test("the spool: answers dropped before the phone is plugged wait, and are delivered the moment its session starts")
    func spoolWaitsForTheDevice() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let daemon = try RunningDaemon(simulator: simulator)
        daemon.waitFor("intake-agent 0.1.0 starting")
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        let spool = daemon.dataDirectory.appendingPathComponent("answers")
        let name = "ios:\(phone.udid).json"
        // The spool folder exists once the daemon has started its services.
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: spool.path) && Date() < deadline { usleep(20_000) }
        try Self.write(Self.answers(iin: "851231450018"), to: spool.appendingPathComponent(name))
        usleep(300_000)
        #expect(FileManager.default.fileExists(atPath: spool.appendingPathComponent(name).path), "the file did not wait for its phone")
        simulator.attach(phone, alreadyPaired: true)
        daemon.waitFor("device=ios:\(phone.udid)", "event=certificate_issued", seconds: 60)
        #expect(!FileManager.default.fileExists(atPath: spool.appendingPathComponent(name).path))
        daemon.send(SIGTERM)
        #expect(daemon.exitStatus(within: 25).status == 0)
    }

    @Test("a console port another program holds ends the daemon with one sentence saying so, exit 1")
    func consolePortTaken() throws {
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) == 0 && getsockname(holder, $0, &length) == 0 }
        }
        #expect(bound && listen(holder, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)")
        let run = try AgentBinary.runBlocking(
            ["run", "--data-dir", dir.path, "--store", "ALA-MEGA2", "--listen", "127.0.0.1:\(port)"],
            environment: ["USBMUXD_SOCKET_ADDRESS": "UNIX:" + dir.path + "/no-usbmuxd"])
        #expect(run.status == 1)
        #expect(run.stderr.hasSuffix("intake-agent: The console cannot listen on 127.0.0.1:\(port): another program (another intake-agent?) has that port; stop it, or set listen (--listen) to another port.\n"), "\(run.stderr)")
    }
}
