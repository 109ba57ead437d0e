// SPDX-License-Identifier: Apache-2.0
//
// The console's certificate lookup shows whether the device was erased: the daemon (the built binary) on a data
// directory where `intake-agent erase` already recorded an erasure of a simulated iPhone.

import DeviceSimulators
import Foundation
import Testing

@Suite("the console's certificate lookup with erasure records")
struct ConsoleErasureLookupTests {
    @Test func theLookupCarriesTheCertificatesErasureRecords() async throws {
        let shared = USBMuxSimulator.processShared
        let phone = SimulatedIOSDevice.findMyWithPasscode.withFreshIdentity()
        shared.attach(phone, alreadyPaired: true)
        defer { shared.detach(udid: phone.udid) }
        var number = ""
        let simulator = try USBMuxSimulator.start()
        let daemon = try RunningDaemon(simulator: simulator) { directory in
            try ConsoleAPITests.addConsultant("C1", pin: "2468", in: directory)
            var issue = [
                "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--amount", "141000", "--grade", "ok/B",
                "--holder-name", "Иванова Әлия", "--iin", "900101300007", "--birth-date", "1990-01-01", "--serial", phone.serialNumber,
                "--data-dir", directory.path, "--json",
            ]
            for imei in phone.imei { issue += ["--imei", imei] }
            number = try BenchCLI.number(try AgentBinary.runBlocking(issue))
            // Find My is on: nothing is sent and the device is recorded not erased, with the reason.
            let erase = try AgentBinary.runBlocking(
                ["erase", "--udid", phone.udid, "--certificate", number, "--yes", "--data-dir", directory.path],
                environment: ["USBMUXD_SOCKET_ADDRESS": shared.socketAddress])
            #expect(erase.status == 1, "\(erase.stderr)")
        }
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let base = try #require(daemon.consoleURL())
        let login = try await ConsoleAPITests.login(base)
        let call = HTTPCall(base: base, token: try #require(login.json["token"] as? String, "\(login.text)"))

        let found = try await call.send("GET", "api/v1/certificates?number=\(number)")
        #expect(found.status == 200, "\(found.text)")
        #expect((found.json["certificates"] as? [[String: Any]])?.first?["number"] as? String == number)
        let erasures = try #require(found.json["erasures"] as? [[String: Any]], "\(found.text)")
        #expect(erasures.count == 1)
        #expect(erasures.first?["number"] as? String == number + "-E1")
        #expect(erasures.first?["status"] as? String == "not_erased")
        #expect((erasures.first?["reason"] as? String)?.contains("Find My is on") == true)
        #expect(erasures.first?["signature_valid"] as? Bool == true)
        #expect(!found.text.contains("900101300007"), "the full IIN stays in the registry")
        let byIMEI = try await call.send("GET", "api/v1/certificates?imei=\(phone.imei[0])")
        #expect((byIMEI.json["erasures"] as? [[String: Any]])?.count == 1, "\(byIMEI.text)")
    }
}
