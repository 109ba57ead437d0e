// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Console
import DeviceSimulators
import Diagnostics
import Foundation
import Grading
import Intake
import IntakeStore
import Logging
import Printing

/// `intake-agent demo`: the whole flow on built-in simulated devices, no hardware, no root, no setup. An iPhone
/// through the real libimobiledevice against an in-process usbmuxd simulator, an Android phone through the real
/// ADB engine against an in-process adbd simulator, scripted consultant answers, a registry in a temporary
/// directory, a line per stage with its timing, and the certificate slips at the end.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Runs the whole flow end to end on built-in simulated devices and prints the certificate slip."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Paper width of the printed slips in characters: 48 (80 mm) or 32 (58 mm).")
    var width: Int = 48

    @Option(help: "Keep the demo's registry and keys in this directory instead of a temporary one.")
    var keep: String?

    @Option(help: "The store the demo bench stands in.")
    var store: String = "ALA-MEGA2"

    @Flag(help: "Print the outcome of each session as JSON lines instead of the slips.")
    var json = false

    @Flag(help: "Run the daemon on the simulated iPhone and Android phone with the console open, and a demo consultant; Ctrl-C stops it.")
    var console = false

    @Option(help: "With --console: where the console listens, as HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:8480"

    func validate() throws {
        guard PaperWidth(columns: width) != nil else { throw ValidationError("--width takes 48 (80 mm) or 32 (58 mm).") }
    }

    func run() async throws {
        try await reportingFailures { try await console ? consoleDemo() : demo() }
    }

    private func demo() async throws {
        let logger = global.makeLogger()
        let started = ContinuousClock.now
        let dataDir = keep.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("intake-agent-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: dataDir) } }
        stage(started, "demo", "Registry, station key and ADB key in \(dataDir.path).")

        let station = try Station(dataDirectory: dataDir)
        // The bench's configuration gives the demo the catalog and rule settings every other command uses.
        let configuration = try global.loadConfiguration()
        let appraiser = Appraiser(
            catalog: try StationRules.catalog(path: configuration.catalogPath),
            ruleSet: StationRules.ruleSet(settings: configuration.ruleSettings))
        let context = IntakeContext(
            appraiser: appraiser, stores: try StoreList.loadDefault(),
            issuer: station.issuer, blocklist: Blocklist(dataDirectory: dataDir), storeID: store, consultant: "demo")
        guard let storeInfo = context.stores.store(id: store) else {
            throw Failure("The store \(store) is not in the store list: pick an id from data/stores.csv.")
        }

        // MARK: The simulated devices
        let mux = try USBMuxSimulator.start(unixSocketIn: dataDir.appendingPathComponent("usbmuxd").path)
        defer { mux.stop() }
        setenv("USBMUXD_SOCKET_ADDRESS", mux.socketAddress, 1)
        IOSMux.configureFromEnvironment()
        let iPhone = SimulatedIOSDevice.cleanIPhone11
        mux.attach(iPhone, alreadyPaired: true)
        stage(started, "usbmuxd", "Simulated usbmuxd at \(mux.socketAddress): \(iPhone.productType) \(iPhone.udid) plugged in.")

        var readers: [(String, any DeviceReading)] = [
            ("iPhone", IOSReader(udid: iPhone.udid, options: IOSReadOptions(trustWait: .seconds(10)), logger: logger)),
        ]
        let android = try await DemoAndroid.start(dataDirectory: dataDir, logger: logger)
        defer { android?.stop() }
        if let android {
            readers.append(("Android", android.reader))
            stage(started, "adbd", android.description)
        }

        // MARK: The sessions, side by side
        let answers = ScriptedAnswers.forDevice(store: store)
        let outcomes = await withTaskGroup(of: (Int, String, IntakeOutcome).self) { group in
            for (index, (name, reader)) in readers.enumerated() {
                group.addTask {
                    let session = IntakeSession(source: .device(reader), context: context)
                    let outcome = await session.run(answers: answers(index), observe: { update in
                        Demo.progress(name, update)
                    })
                    return (index, name, outcome)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }.sorted { $0.0 < $1.0 }
        }

        // MARK: Slips
        let paper = PaperWidth(columns: width) ?? .mm80
        var failures: [String] = []
        for (_, name, outcome) in outcomes {
            let total = outcome.updates.last?.elapsedMS ?? 0
            if json {
                try Output.json(IntakeOutcomeJSON(outcome, printed: false), pretty: false)
                continue
            }
            Output.line("")
            guard let certificate = outcome.certificate else {
                failures.append("\(name): \(outcome.reasons.joined(separator: " "))")
                Output.line("\(name): no certificate (\(outcome.state.rawValue)): \(outcome.reasons.joined(separator: " "))")
                continue
            }
            Output.line("\(name): certificate \(certificate.number), \(certificate.content.amount.formatted), plug to certificate in \(total) ms.")
            Output.line("")
            Output.line(try Slip(certificate: certificate, store: storeInfo, width: paper).text())
        }
        let elapsed = ContinuousClock.now - started
        stage(started, "demo", "Done in \(Self.milliseconds(elapsed)) ms: \(outcomes.filter { $0.2.certificate != nil }.count) certificates issued and verified against the station key.")
        let ring = try station.keyRing()
        for (_, name, outcome) in outcomes {
            if let certificate = outcome.certificate, !certificate.verify(with: ring) {
                failures.append("\(name): the certificate's signature does not verify")
            }
        }
        if !failures.isEmpty { throw Failure("The demo did not complete: \(failures.joined(separator: "; ")).") }
    }

    private static func progress(_ device: String, _ update: SessionUpdate) {
        let ms = String(update.elapsedMS)
        let line = "[" + String(repeating: " ", count: max(0, 6 - ms.count)) + ms + " ms] " + device.padding(toLength: 8, withPad: " ", startingAt: 0)
            + update.state.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0) + update.message + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func stage(_ started: ContinuousClock.Instant, _ what: String, _ message: String) {
        let ms = String(Self.milliseconds(ContinuousClock.now - started))
        let line = "[" + String(repeating: " ", count: max(0, 6 - ms.count)) + ms + " ms] " + what.padding(toLength: 8, withPad: " ", startingAt: 0) + message + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// The demo's Android phone: a simulated Xiaomi Redmi Note 10 behind adbd on loopback, 30 ms per shell like a
/// real phone, that shows "Allow USB debugging?" for the bench's new key and is allowed 400 ms later; read by the
/// ADB engine over TCP.
struct DemoAndroid {
    let simulator: ADBDeviceSimulator
    let reader: any DeviceReading
    let description: String

    static func start(dataDirectory: URL, logger: Logger) async throws -> DemoAndroid? {
        let key = try DeviceSelection.adbKey(in: dataDirectory)
        let profile = ADBDeviceProfile.xiaomiRedmiNote10
        let simulator = ADBDeviceSimulator(.init(
            profile: profile, shellLatency: .milliseconds(30), auth: .trusting([], onNewKey: .allowAfter(.milliseconds(400)))))
        let port = try simulator.listen()
        let reader = AndroidADBReader(
            link: .tcp(host: "127.0.0.1", port: port), key: key,
            options: AndroidReader.Options(commandTimeout: .seconds(10), handshake: .init(answer: .seconds(5), allow: .seconds(10))))
        return DemoAndroid(
            simulator: simulator, reader: reader,
            description: "Simulated adbd on 127.0.0.1:\(port): \(profile.name), 30 ms per shell command, asks to allow the bench's key.")
    }

    func stop() { simulator.stop() }
}
