// SPDX-License-Identifier: Apache-2.0
//
// An iPhone that drops its connection mid-session: the simulator sends its whole reply to one step of the read,
// then closes the socket, so libimobiledevice's next write meets a closed peer. Before SIGPIPE was ignored at
// start-up, `inspect` died of the signal (exit 141 in a shell) at most of these steps.

import DeviceSimulators
import Foundation
import Testing

@Suite("an iPhone that drops the connection at any step of a read")
struct PeerDropTests {
    /// Every step of a paired read, as the simulator tags the request it closes after: lockdown requests, the
    /// GetValue domains, the services' StartService and their requests.
    static let steps = [
        "QueryType", "ValidatePair", "StartSession", "GetValue", "com.apple.disk_usage", "com.apple.fmip",
        "com.apple.mobile.battery", "StartService", "com.apple.mobile.diagnostics_relay", "IORegistry",
        "com.apple.mobile.MCInstall", "GetCloudConfiguration", "StopSession",
    ]

    @Test("a lockdown session over TLS, as real devices run it, reads the whole phone")
    func tlsSessionReads() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let device = SimulatedIOSDevice.cleanIPhone11.withSessionSSL()
        simulator.attach(device, alreadyPaired: true)
        let result = try IOSToolRunner.run(
            USBTestbed.agentBinary(), ["inspect", "--udid", device.udid, "--json"], socketAddress: simulator.socketAddress)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"health_percent\" : 85"), "\(result.stdout)")
        #expect(result.stdout.contains("\"mdm\" : false"), "\(result.stdout)")
        #expect(simulator.statistics(udid: device.udid).sessionsStarted == 1)
    }

    @Test(
        "inspect survives, never by a signal, with one sentence or an honest partial read",
        arguments: steps, [false, true])
    func inspectSurvives(step: String, tls: Bool) throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let device = tls ? SimulatedIOSDevice.cleanIPhone11.withSessionSSL() : SimulatedIOSDevice.cleanIPhone11
        simulator.attach(device, misbehaviour: .closeAfterReply(request: step), alreadyPaired: true)
        let result = try IOSToolRunner.run(
            USBTestbed.agentBinary(), ["inspect", "--udid", device.udid, "--json"], socketAddress: simulator.socketAddress)
        #expect(result.signal == nil, "inspect died of signal \(result.signal ?? 0) after \(step) (TLS \(tls))")
        let sentences = result.stderr.split(separator: "\n")
        if result.status == 0 {
            // The drop came after the last fact was read: a complete report and nothing to say.
            #expect(result.stdout.contains("\"serial\" : \"DX3VK1ABN70F\""), "\(result.stdout)")
            #expect(result.stdout.contains("\"health_percent\" : 85"), "\(result.stdout)")
        } else {
            #expect(result.status == 1, "after \(step): exit \(result.status), \(result.stderr)")
            #expect(sentences.count == 1, "after \(step): \(result.stderr)")
            #expect(result.stderr.hasPrefix("intake-agent: "), "after \(step): \(result.stderr)")
        }
    }
}
