// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import DeviceSimulators
import Diagnostics
import Foundation
import Glibc
import Intake
import IntakeStore

/// The erase of one iPhone, from the consultant's confirmation to the signed record, against the in-process
/// usbmuxd/lockdownd simulator with no reboot delay and no reply latency: what is measured is the agent's own
/// share (libimobiledevice, our waits, the check on the return including the new pairing, the signed record).
struct BenchErase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Confirmation to signed erasure record for the simulated iPhone (reboot delay 0): the agent's own share."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many iPhones to erase, one after the other.")
    var runs: Int = 7

    @Flag(help: "Print the figures as JSON.")
    var json = false

    struct Figures: Encodable {
        var runs: Int
        var medianSeconds: Double
        var minSeconds: Double
        var maxSeconds: Double
        var allErased: Bool
        var targetSeconds: Double

        enum CodingKeys: String, CodingKey {
            case runs, medianSeconds = "median_seconds", minSeconds = "min_seconds", maxSeconds = "max_seconds"
            case allErased = "all_erased", targetSeconds = "target_seconds"
        }
    }

    func run() async throws {
        try await reportingFailures {
            guard runs > 0 else { throw Failure("--runs takes a number of erases, 1 or more.") }
            let simulator = try USBMuxSimulator.start()
            defer { simulator.stop() }
            setenv("USBMUXD_SOCKET_ADDRESS", simulator.socketAddress, 1)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-erase-\(getpid())")
            defer { try? FileManager.default.removeItem(at: directory) }
            let station = try Station(dataDirectory: directory)
            let synthetic = try SyntheticIssuance()
            let settings = ErasureSettings(consultant: "bench", tool: "intake-bench", confirmation: "The benchmark confirmed.")
            var times: [Double] = []
            var allErased = true
            let clock = ContinuousClock()
            for index in 0..<runs {
                let request = synthetic.request(device: index, index: index)
                var phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.erases(rebootDelay: .zero))
                phone.imei = request.imeis
                simulator.attach(phone, alreadyPaired: true)
                defer { simulator.detach(udid: phone.udid) }
                let certificate = try await station.issuer.issue(request, consultant: "bench")
                let start = clock.now
                let attempt = await CounterErasure.eraseIOS(udid: phone.udid, certificate: certificate, settings: settings)
                guard case .record(let draft) = attempt else {
                    throw Failure("Erase \(index + 1) was refused: \(String(describing: attempt)).")
                }
                let record = try await station.registry.recordErasure(draft, signer: station.key, station: station.issuer.station, at: Date())
                let elapsed = clock.now - start
                times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                if record.content.status != .erased { allErased = false }
            }
            let sorted = times.sorted()
            let figures = Figures(
                runs: runs, medianSeconds: sorted[sorted.count / 2], minSeconds: sorted.first!, maxSeconds: sorted.last!,
                allErased: allErased, targetSeconds: 1)
            if json {
                try Output.json(figures)
            } else {
                Output.line("confirmation to signed erasure record, simulated iPhone, reboot delay 0 (\(runs) runs): median \(String(format: "%.3f", figures.medianSeconds)) s, min \(String(format: "%.3f", figures.minSeconds)) s, max \(String(format: "%.3f", figures.maxSeconds)) s; target under 1 s of agent time")
                Output.line(allErased ? "every run ended erased" : "NOT every run ended erased")
            }
        }
    }
}
