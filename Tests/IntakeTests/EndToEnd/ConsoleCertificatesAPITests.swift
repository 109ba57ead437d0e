// SPDX-License-Identifier: Apache-2.0
//
// The console's certificate routes against the real daemon and the simulated iPhone: the day's intakes, the
// accounting CSV, the Contract Phone calculator, and a refused phone read again from its card.

import DeviceSimulators
import Foundation
import Grading
import IntakeStore
import Testing

@Suite("the console's certificates, calculator and read-again", .serialized)
struct ConsoleCertificatesAPITests {
    /// Logs in and issues one certificate for a fresh iPhone 11 over the API; the certificate as the session shows it.
    static func issued(_ simulator: USBMuxSimulator, _ daemon: RunningDaemon, _ base: URL) async throws -> (HTTPCall, [String: Any]) {
        let login = try await ConsoleAPITests.login(base)
        let call = HTTPCall(base: base, token: try #require(login.json["token"] as? String))
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        simulator.attach(phone, alreadyPaired: true)
        let device = "ios:\(phone.udid)"
        let session = try #require(try await SimulateCommandTests.waitForSession(call, device: device) { $0["state"] as? String == "checklist" })
        let id = try #require(session["id"] as? String)
        var checklist: [String: String] = [:]
        for check in session["missing"] as? [String] ?? [] where !check.contains(".") && !["box", "charger", "accept_offer"].contains(check) {
            checklist[check] = "pass"
        }
        let answers: [String: Any] = [
            "checklist": ["answers": checklist, "cosmetic": "B"], "box": true, "charger": true, "accept_offer": true,
            "holder": ["name": "Айгерим Сапарова", "iin": "900101300007", "birth_date": "1990-01-01", "document_number": "N1234567"],
        ]
        let sent = try await call.send("POST", "api/v1/sessions/\(id)/answers", json: answers)
        #expect(sent.status == 200, "\(sent.text)")
        let done = try #require(try await SimulateCommandTests.waitForSession(call, device: device) { $0["certificate"] is [String: Any] })
        return (call, try #require(done["certificate"] as? [String: Any]))
    }

    @Test("today's intakes list the station's certificate with the day's total; the CSV export has it with the IIN masked")
    func intakesAndExport() async throws {
        let (simulator, daemon, base) = try ConsoleAPITests.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let (call, certificate) = try await Self.issued(simulator, daemon, base)
        let number = try #require(certificate["number"] as? String)
        let amount = try #require(certificate["amount_kzt"] as? Int)
        let day = try #require(certificate["issued_on"] as? String)

        let today = try await call.send("GET", "api/v1/intakes")
        #expect(today.status == 200, "\(today.text)")
        #expect(today.json["date"] as? String == day)
        #expect(today.json["count"] as? Int == 1)
        #expect(today.json["total_kzt"] as? Int == amount)
        #expect(today.json["station"] as? String == CertificateNumber(number)?.station.rawValue)
        #expect((today.json["certificates"] as? [[String: Any]])?.first?["number"] as? String == number)
        #expect(!today.text.contains("900101300007"))
        let before = try await call.send("GET", "api/v1/intakes?date=2020-01-01")
        #expect(before.json["count"] as? Int == 0, "\(before.text)")
        let wrongDay = try await call.send("GET", "api/v1/intakes?date=yesterday")
        #expect(wrongDay.status == 422)
        #expect(wrongDay.json["field"] as? String == "date")

        let csv = try await call.send("GET", "api/v1/certificates/export?from=\(day)&to=\(day)")
        #expect(csv.status == 200, "\(csv.text)")
        #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true, "\(csv.headers)")
        #expect(csv.headers["content-disposition"]?.contains("attachment") == true)
        let lines = csv.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == CertificateCSV.header)
        #expect(lines.count == 2, "\(csv.text)")
        #expect(lines.last?.hasPrefix(number + ",") == true)
        #expect(lines.last?.contains(",\(amount),") == true, "amounts in whole tenge: \(lines)")
        #expect(lines.last?.contains("90010130****") == true)
        #expect(!csv.text.contains("900101300007"))

        let swapped = try await call.send("GET", "api/v1/certificates/export?from=\(day)&to=2020-01-01")
        #expect(swapped.status == 422)
        #expect(swapped.json["field"] as? String == "from")
        let noEnd = try await call.send("GET", "api/v1/certificates/export?from=\(day)")
        #expect(noEnd.status == 422)
        #expect(noEnd.json["field"] as? String == "to")
        let decade = try await call.send("GET", "api/v1/certificates/export?from=2016-01-01&to=\(day)")
        #expect(decade.status == 422, "\(decade.text)")
    }

    @Test("the calculator splits the certificate over the chosen Contract Phone as the rules do, and names the field at fault")
    func redemptionCalculator() async throws {
        let (simulator, daemon, base) = try ConsoleAPITests.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let (call, certificate) = try await Self.issued(simulator, daemon, base)
        let number = try #require(certificate["number"] as? String)
        let amount = try #require(certificate["amount_kzt"] as? Int)
        let contract: [String: Any] = ["price": 600_000, "min_prepayment": 30_000, "max_prepayment": 300_000, "months": 12]

        let split = try await call.send("POST", "api/v1/redemption/split", json: ["certificate": number, "contract": contract])
        #expect(split.status == 200, "\(split.text)")
        let expected = try Redemption.split(
            certificate: Tenge(amount),
            contract: .init(price: Tenge(600_000), minimumPrepayment: Tenge(30_000), maximumPrepayment: Tenge(300_000), months: 12)).get()
        #expect(split.json["certificate"] as? Int == amount)
        #expect(split.json["prepayment"] as? Int == expected.prepayment.amount)
        #expect(split.json["certificate_to_prepayment"] as? Int == min(amount, 300_000))
        #expect(split.json["monthly_payment"] as? Int == expected.monthlyPayment.amount)
        #expect(split.json["certificate_to_first_payment"] as? Int == expected.certificateToFirstPayment.amount)
        #expect(split.json["certificate_to_balance"] as? Int == expected.certificateToBalance.amount)
        #expect(split.json["below_minimum_prepayment"] as? Bool == false)
        // Nothing was spent.
        let still = try await call.send("GET", "api/v1/certificates?number=\(number)")
        #expect((still.json["certificates"] as? [[String: Any]])?.first?["status"] as? String != "redeemed")

        let byAmount = try await call.send("POST", "api/v1/redemption/split", json: ["amount_kzt": 20_000, "contract": contract])
        #expect(byAmount.json["below_minimum_prepayment"] as? Bool == true, "\(byAmount.text)")
        #expect(byAmount.json["customer_prepayment"] as? Int == 30_000)
        let both = try await call.send("POST", "api/v1/redemption/split", json: ["amount_kzt": 1, "certificate": number, "contract": contract])
        #expect(both.status == 422)
        var noMonths = contract
        noMonths["months"] = 0
        let months = try await call.send("POST", "api/v1/redemption/split", json: ["certificate": number, "contract": noMonths])
        #expect(months.status == 422)
        #expect(months.json["field"] as? String == "contract.months")
        let absent = CertificateNumber(storeID: "ALA-MEGA", issuedOn: CivilDate(year: 2026, month: 1, day: 5)!, station: StationCode("22")!, sequence: 7)
        let unknown = try await call.send("POST", "api/v1/redemption/split", json: ["certificate": absent.rawValue, "contract": contract])
        #expect(unknown.status == 404, "\(unknown.text)")
        let missingPrice = try await call.send("POST", "api/v1/redemption/split", json: ["certificate": number, "contract": ["months": 12]])
        #expect(missingPrice.status == 422)
        #expect((missingPrice.json["field"] as? String)?.hasPrefix("contract.") == true, "\(missingPrice.text)")
        #expect((missingPrice.json["error"] as? String)?.contains("is missing from the calculator's request") == true, "\(missingPrice.text)")
    }

    @Test("a phone refused for Find My is read again from its card once it is off, without unplugging; only a refused one")
    func readAgain() async throws {
        let (simulator, daemon, base) = try ConsoleAPITests.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let login = try await ConsoleAPITests.login(base)
        let call = HTTPCall(base: base, token: try #require(login.json["token"] as? String))
        var phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        phone.findMyAssociated = true
        simulator.attach(phone, alreadyPaired: true)
        let device = "ios:\(phone.udid)"
        let refused = try #require(try await SimulateCommandTests.waitForSession(call, device: device) { $0["state"] as? String == "refused" })
        let oldID = try #require(refused["id"] as? String)

        #expect(simulator.update(udid: phone.udid) { $0.findMyAssociated = false })
        let again = try await call.send("POST", "api/v1/sessions/\(oldID)/read-again")
        #expect(again.status == 202, "\(again.text)")
        let newID = try #require(again.json["id"] as? String)
        #expect(newID != oldID)
        let read = try #require(try await SimulateCommandTests.waitForSession(call, device: device) {
            $0["id"] as? String == newID && $0["state"] as? String == "checklist"
        })
        let locks = (read["device"] as? [String: Any])?["locks"] as? [String: Any]
        #expect(locks?["find_my"] as? Bool == false)
        #expect(try await call.send("GET", "api/v1/sessions/\(oldID)").status == 404)

        let notRefused = try await call.send("POST", "api/v1/sessions/\(newID)/read-again")
        #expect(notRefused.status == 409)
        #expect((notRefused.json["error"] as? String)?.contains("Only a refused phone") == true, "\(notRefused.text)")
        #expect(try await call.send("POST", "api/v1/sessions/nothing/read-again").status == 404)
    }
}
