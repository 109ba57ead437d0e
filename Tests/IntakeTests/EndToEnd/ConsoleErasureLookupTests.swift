// SPDX-License-Identifier: Apache-2.0
//
// The console's certificate lookup shows whether the device was erased: the daemon (the built binary) on a data
// directory where `intake-agent erase` already recorded an erasure of a simulated iPhone.

import DeviceSimulators
import Foundation
import Testing

@Suite("the console's erasure step and its certificate lookup")
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

    @Test func anIPhoneIsErasedFromItsCardAfterItsCertificate() async throws {
        let (simulator, daemon, base) = try ConsoleAPITests.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let login = try await ConsoleAPITests.login(base)
        let call = HTTPCall(base: base, token: try #require(login.json["token"] as? String, "\(login.text)"))
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.erases(rebootDelay: .milliseconds(300)))
        simulator.attach(phone, alreadyPaired: true)
        daemon.waitFor("device=ios:\(phone.udid)", "event=answers_pending")
        let sessions = try await call.send("GET", "api/v1/sessions")
        let listed = try #require((sessions.json["sessions"] as? [[String: Any]])?.first { $0["device_key"] as? String == "ios:\(phone.udid)" })
        let id = try #require(listed["id"] as? String)
        // Before the certificate there is nothing to erase.
        let early = try await call.send("POST", "api/v1/sessions/\(id)/erase", json: ["customer_present": true])
        #expect(early.status == 409, "\(early.text)")
        #expect(Self.erasureRequests(simulator, phone) == nil)

        try await Self.certify(id, missing: try #require(listed["missing"] as? [String]), call: call, daemon: daemon, phone: phone)

        let unconfirmed = try await call.send("POST", "api/v1/sessions/\(id)/erase", json: ["customer_present": false])
        #expect(unconfirmed.status == 422, "\(unconfirmed.text)")
        let started = try await call.send("POST", "api/v1/sessions/\(id)/erase", json: ["customer_present": true])
        #expect(started.status == 202, "\(started.text)")
        #expect((started.json["erasure"] as? [String: Any])?["state"] as? String == "erasing")
        daemon.waitFor("device=ios:\(phone.udid)", "event=erasure_erased", seconds: 60)
        let done = try await call.send("GET", "api/v1/sessions/\(id)")
        let erasure = try #require(done.json["erasure"] as? [String: Any], "\(done.text)")
        #expect(erasure["state"] as? String == "erased")
        let number = try #require((done.json["certificate"] as? [String: Any])?["number"] as? String)
        #expect(erasure["number"] as? String == number + "-E1")
        #expect(Self.erasureRequests(simulator, phone) == 1)
        // The record is the registry's, by the consultant who logged in, and the lookup shows it.
        let found = try await call.send("GET", "api/v1/certificates?number=\(number)")
        let record = try #require((found.json["erasures"] as? [[String: Any]])?.first, "\(found.text)")
        #expect(record["status"] as? String == "erased")
        #expect((record["verification"] as? [String: Any]).flatMap { $0["by_consultant_only"] as? [String] }?.first?.contains("console") == true)
        // Erased once: a second request is refused.
        #expect(try await call.send("POST", "api/v1/sessions/\(id)/erase", json: ["customer_present": true]).status == 409)
    }

    /// Every check passes, the customer accepts, the holder is valid: the session issues its certificate.
    static func certify(_ id: String, missing: [String], call: HTTPCall, daemon: RunningDaemon, phone: SimulatedIOSDevice) async throws {
        var checklist: [String: String] = [:]
        for check in missing where !check.contains(".") && !["box", "charger", "accept_offer"].contains(check) { checklist[check] = "pass" }
        let answers: [String: Any] = [
            "checklist": ["answers": checklist, "cosmetic": "B"], "box": true, "charger": true, "accept_offer": true,
            "holder": ["name": "Айгерим Сапарова", "iin": "900101300007", "birth_date": "1990-01-01", "document_number": "N1234567"],
        ]
        #expect(try await call.send("POST", "api/v1/sessions/\(id)/answers", json: answers).status == 200)
        daemon.waitFor("device=ios:\(phone.udid)", "event=certificate_issued")
    }

    static func erasureRequests(_ simulator: USBMuxSimulator, _ phone: SimulatedIOSDevice) -> Int? {
        simulator.statistics(udid: phone.udid).requests["EraseDevice"]
    }

    @Test func aDaemonStoppedWhileTheDeviceIsAwayStillRecordsTheErasure() async throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("erase-config-\(UUID().uuidString).json")
        try Data(#"{"erase_return_timeout_seconds": 300}"#.utf8).write(to: config)
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let daemon = try RunningDaemon(simulator: simulator, arguments: ["--config", config.path]) {
            try ConsoleAPITests.addConsultant("C1", pin: "2468", in: $0)
        }
        let base = try #require(daemon.consoleURL())
        let login = try await ConsoleAPITests.login(base)
        let call = HTTPCall(base: base, token: try #require(login.json["token"] as? String, "\(login.text)"))
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity().withErase(.neverReturns)
        simulator.attach(phone, alreadyPaired: true)
        daemon.waitFor("device=ios:\(phone.udid)", "event=answers_pending")
        let sessions = try await call.send("GET", "api/v1/sessions")
        let listed = try #require((sessions.json["sessions"] as? [[String: Any]])?.first { $0["device_key"] as? String == "ios:\(phone.udid)" })
        let id = try #require(listed["id"] as? String)
        try await Self.certify(id, missing: try #require(listed["missing"] as? [String]), call: call, daemon: daemon, phone: phone)
        #expect(try await call.send("POST", "api/v1/sessions/\(id)/erase", json: ["customer_present": true]).status == 202)
        // The phone took the request and left; the bench is restarted before it could come back.
        let deadline = Date().addingTimeInterval(30)
        while (Self.erasureRequests(simulator, phone) == nil || simulator.attachedUDIDs.contains(phone.udid)), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        daemon.send(SIGTERM)
        let stopped = Date().addingTimeInterval(30)
        while daemon.process.isRunning, Date() < stopped { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!daemon.process.isRunning, "the daemon stops gracefully with an erasure waiting")
        let list = try AgentBinary.runBlocking(["erasure", "list", "--json", "--data-dir", daemon.dataDirectory.path])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], "\(list.stderr)")
        #expect(records.count == 1)
        #expect(records.first?["status"] as? String == "erased_unverified")
        #expect((records.first?["reason"] as? String)?.contains("interrupted") == true, "\(records)")
    }
}
