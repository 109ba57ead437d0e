// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import DeviceSimulators
import Diagnostics
import Foundation
import Grading
import Intake
import IntakeStore
import Logging

/// Plug-to-certificate time of the automatic part of a session (read, appraise, issue; the consultant's answers
/// given up front), for an iPhone through libimobiledevice and an Android phone through the ADB engine (30 ms per
/// shell command, like a real phone), and the bench's memory with ten sessions at once. Target: under 2 s per
/// device.
struct BenchIntake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Plug-to-certificate time for the simulated devices and memory with ten sessions."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Sessions per platform for the timing.")
    var rounds: Int = 20

    @Option(help: "Sessions at once for the memory figure.")
    var sessions: Int = 10

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    struct Figures: Encodable {
        var rounds: Int
        var iosMedianMS: Double
        var iosP95MS: Double
        var androidMedianMS: Double
        var androidP95MS: Double
        var concurrentSessions: Int
        var concurrentWallMS: Double
        var rssBeforeMiB: Double
        var rssWithSessionsMiB: Double
        var maxRSSMiB: Double

        enum CodingKeys: String, CodingKey {
            case rounds, iosMedianMS = "ios_median_ms", iosP95MS = "ios_p95_ms", androidMedianMS = "android_median_ms"
            case androidP95MS = "android_p95_ms", concurrentSessions = "concurrent_sessions", concurrentWallMS = "concurrent_wall_ms"
            case rssBeforeMiB = "rss_before_mib", rssWithSessionsMiB = "rss_with_sessions_mib", maxRSSMiB = "max_rss_mib"
        }
    }

    func run() async throws {
        try await reportingFailures { try await measure() }
    }

    private func measure() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-intake-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let logger = global.makeLogger(label: "bench")
        let mux = try USBMuxSimulator.start(unixSocketIn: root.appendingPathComponent("mux").path)
        defer { mux.stop() }
        setenv("USBMUXD_SOCKET_ADDRESS", mux.socketAddress, 1)
        IOSMux.configureFromEnvironment()
        let key = try ADBKey.loadOrCreate(in: root)
        let catalog = try Catalog.loadDefault()
        let stores = try StoreList.loadDefault()
        let answers = ScriptedAnswers.forDevice(store: "ALA-MEGA2")
        var imeiCounter = 0
        func nextIMEI() -> String {
            imeiCounter += 1
            return SyntheticIssuance.imei("35209411" + String(format: "%06d", imeiCounter))
        }
        func context(_ name: String) throws -> IntakeContext {
            let dir = root.appendingPathComponent(name)
            let station = try Station(dataDirectory: dir)
            return IntakeContext(
                appraiser: Appraiser(catalog: catalog), stores: stores, issuer: station.issuer,
                blocklist: Blocklist(dataDirectory: dir), storeID: "ALA-MEGA2", consultant: "bench")
        }
        func certificateMS(_ outcome: IntakeOutcome) throws -> Double {
            guard outcome.certificate != nil, let last = outcome.updates.last(where: { $0.event == "certificate_issued" }) else {
                throw Failure("A benchmark session ended without a certificate: \(outcome.reasons.joined(separator: " "))")
            }
            return Double(last.elapsedMS)
        }

        // MARK: iPhone
        let iosContext = try context("ios")
        var iosTimes: [Double] = []
        for _ in 0..<rounds {
            var phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
            phone.imei = [nextIMEI()]
            mux.attach(phone, alreadyPaired: true)
            let session = IntakeSession(source: .device(IOSReader(udid: phone.udid, logger: logger)), context: iosContext)
            iosTimes.append(try certificateMS(await session.run(answers: answers(0))))
            mux.detach(udid: phone.udid)
        }

        // MARK: Android
        let androidContext = try context("android")
        var androidTimes: [Double] = []
        for _ in 0..<rounds {
            var profile = ADBDeviceProfile.xiaomiRedmiNote10
            let imei = nextIMEI()
            profile.commands["service call iphonesubinfo 4 i32 0 s16 com.android.shell"] = .init(stdout: ADBDeviceProfile.parcel(imei))
            profile.commands["service call iphonesubinfo 4 i32 1 s16 com.android.shell"] = .init(stdout: ADBDeviceProfile.parcel(nextIMEI()))
            profile.properties["ro.serialno"] = "bench\(imeiCounter)"
            let simulator = ADBDeviceSimulator(.init(profile: profile, shellLatency: .milliseconds(30), auth: .trusting([key.publicKeyText])))
            let port = try simulator.listen()
            let reader = AndroidADBReader(link: .tcp(host: "127.0.0.1", port: port), key: key)
            let session = IntakeSession(source: .device(reader), context: androidContext)
            androidTimes.append(try certificateMS(await session.run(answers: answers(1))))
            simulator.stop()
        }

        // MARK: Ten sessions at once, as the daemon runs them
        let rssBefore = Self.residentMiB()
        let manager = SessionManager(context: try context("concurrent"), defaults: answers(0), logger: logger)
        var phones: [SimulatedIOSDevice] = []
        for _ in 0..<sessions {
            var phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
            phone.imei = [nextIMEI()]
            mux.attach(phone, alreadyPaired: true)
            phones.append(phone)
        }
        let start = ContinuousClock.now
        var updates = manager.updates.makeAsyncIterator()
        for phone in phones {
            await manager.deviceArrived(key: "ios:\(phone.udid)", reader: IOSReader(udid: phone.udid, logger: logger))
        }
        var finished = 0
        var rssWith = rssBefore
        while finished < sessions, let update = await updates.next() {
            if ["certificate_issued", "refused", "stopped"].contains(update.event) {
                finished += 1
                rssWith = max(rssWith, Self.residentMiB())
            }
        }
        let wall = BenchAndroid.ms(ContinuousClock.now - start)
        for phone in phones { mux.detach(udid: phone.udid) }

        let figures = Figures(
            rounds: rounds, iosMedianMS: Self.percentile(iosTimes, 0.5), iosP95MS: Self.percentile(iosTimes, 0.95),
            androidMedianMS: Self.percentile(androidTimes, 0.5), androidP95MS: Self.percentile(androidTimes, 0.95),
            concurrentSessions: sessions, concurrentWallMS: wall, rssBeforeMiB: rssBefore, rssWithSessionsMiB: rssWith,
            maxRSSMiB: Self.maxResidentMiB())
        if json {
            try Output.json(figures)
        } else {
            Output.line("Plug to certificate, automatic part (answers given up front), \(rounds) sessions each; target < 2000 ms:")
            Output.line(String(format: "  iPhone (libimobiledevice, simulated usbmuxd):  median %.0f ms, p95 %.0f ms", figures.iosMedianMS, figures.iosP95MS))
            Output.line(String(format: "  Android (ADB engine over TCP, 30 ms a shell):  median %.0f ms, p95 %.0f ms", figures.androidMedianMS, figures.androidP95MS))
            Output.line(String(format: "%d iPhone sessions at once: all done in %.0f ms; resident memory %.1f MiB before, %.1f MiB with them (max RSS %.1f MiB, simulator included)",
                                sessions, wall, rssBefore, rssWith, figures.maxRSSMiB))
        }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    /// Resident memory now, from /proc/self/statm.
    static func residentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    static func maxResidentMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
