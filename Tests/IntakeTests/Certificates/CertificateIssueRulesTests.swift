// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// `certificate issue` through the rules, through the built binary: the model, the grade, the amount, the date,
/// the IMEI and the serial as a consultant types them.
@Suite(.serialized)
struct CertificateIssueRulesTests {
    // MARK: - Model, grade, amount

    @Test func theAmountIsAtMostTheRulesOfferAtThatGrade() async throws {
        let bench = try BenchCLI()
        try await bench.issue(["--amount", "141500"]).refuses("more than the rules offer for the iPhone 11 at grade ok/B (at most 141 000 KZT")
        try await bench.issue(["--amount", "141500", "--grade", "minor/C"]).refuses("at most 100 000 KZT")
        let issued = try await bench.issue()
        #expect(issued.status == 0, "\(issued.stderr)")
        let object = try BenchCLI.object(issued)
        #expect(object["amount_kzt"] as? Int == 141_000)
        #expect(object["grade"] as? String == "ok/B")
        #expect(object["status"] as? String == "issued")
        #expect(object["device_key"] as? String == "imei:352094117788999")
        // Today's spelling of the grade, a bare cosmetic grade, is still taken and recorded on the scale.
        let bare = try await bench.issue(imei: ["352094117788981"], ["--grade", "B", "--amount", "100000"])
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(try BenchCLI.object(bare)["grade"] as? String == "ok/B")
    }

    @Test func aModelOrGradeTheRulesDoNotTakeIsRefused() async throws {
        let bench = try BenchCLI()
        try await bench.issue(["--grade", "ok/E"]).refuses("is not on the rule set's scale")
        try await bench.issue(["--model", "iPhone SE (3rd generation)", "--amount", "1000"]).refuses("only the 2nd generation")
        try await bench.issue(["--store", "ALA-DOSTYK-PLAZA"]).refuses("takes no Apple products")
        try await bench.issue(["--rule-set", "1999-01-z"]).refuses("is not one this intake-agent knows")
        try await bench.issue(["--model", "Nokia 3310"]).refuses("Nokia 3310")
    }

    // MARK: - Issue date

    @Test func theIssueDateIsTodayOrUpToSevenDaysBackWithAReason() async throws {
        let bench = try BenchCLI()
        try await bench.issue(["--issued-on", BenchCLI.day(-1)]).refuses("give the reason for dating it back with --reason")
        try await bench.issue(["--issued-on", BenchCLI.day(-8), "--reason", "bench was down"]).refuses("more than 7 days ago")
        try await bench.issue(["--issued-on", BenchCLI.day(1), "--reason", "planned"]).refuses("is after today")
        let today = try await bench.issue(["--issued-on", BenchCLI.day()])
        #expect(today.status == 0, "\(today.stderr)")

        let back = try await bench.issue(
            imei: ["352094117788981"], ["--issued-on", BenchCLI.day(-7), "--reason", "the bench was down on Monday"])
        #expect(back.status == 0, "\(back.stderr)")
        let number = try BenchCLI.number(back)
        #expect(try BenchCLI.object(back)["issued_on"] as? String == BenchCLI.day(-7))
        let shown = try await bench.run(["certificate", "show", number, "--json"])
        let audit = try #require(try BenchCLI.object(shown)["audit"] as? [[String: Any]])
        #expect(audit.first?["event"] as? String == "certificate.issued")
        #expect(audit.first?["reason"] as? String == "the bench was down on Monday")
    }

    // MARK: - IMEI and serial

    @Test func aMalformedIMEIIsRefusedNeverDropped() async throws {
        let bench = try BenchCLI()
        try await bench.issue(imei: ["35209411778899"]).refuses("The IMEI 35209411778899 has 14 digits, not 15")
        try await bench.issue(imei: ["352094117788998"]).refuses("fails its check digit")
        try await bench.issue(imei: ["35209411778899O"]).refuses("not a digit")
        // With a good serial beside it, the bad IMEI is still refused, not dropped for the serial.
        try await bench.issue(imei: ["352094117788998"], serial: "DX3VK1ABN70F").refuses("fails its check digit")
        // Nothing was stored.
        let list = try await bench.run(["certificate", "list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])
        #expect(listed.isEmpty)
    }

    @Test func oneIMEIInTwoSpellingsIsOneDevice() async throws {
        let bench = try BenchCLI()
        let first = try await bench.issue(imei: ["35-209411-778899-9"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try BenchCLI.object(first)["device_key"] as? String == "imei:352094117788999")
        let number = try BenchCLI.number(first)
        try await bench.issue(imei: ["３５２０９４１１７７８８９９９"]).refuses("already has a certificate (\(number)")
        try await bench.issue(imei: [" 352094117788999\u{200B}"]).refuses("already has a certificate (\(number)")
    }

    @Test func oneSerialInTwoSpellingsIsOneDevice() async throws {
        let bench = try BenchCLI()
        let first = try await bench.issue(imei: [], serial: "dx3v-k1ab n70f")
        #expect(first.status == 0, "\(first.stderr)")
        let object = try BenchCLI.object(first)
        #expect(object["device_key"] as? String == "serial:DX3VK1ABN70F")
        #expect(object["device_serial"] as? String == "DX3VK1ABN70F")
        let number = try BenchCLI.number(first)
        try await bench.issue(imei: [], serial: "DX3VK1ABN70F\u{200B}").refuses("already has a certificate (\(number)")
        try await bench.issue(imei: [], serial: "ＤＸ３ＶＫ１ＡＢＮ７０Ｆ").refuses("already has a certificate (\(number)")
    }

    /// An IMEI-only certificate, then a request naming the IMEI and the serial (refused, and the registry links
    /// the two), then a serial-only request: still the same phone, still refused. Voiding frees both.
    @Test func anIMEIOnlyAndASerialOnlyRequestForOnePhoneAreLinked() async throws {
        let bench = try BenchCLI()
        let first = try await bench.issue(imei: ["352094117788999"])
        #expect(first.status == 0, "\(first.stderr)")
        let number = try BenchCLI.number(first)
        try await bench.issue(imei: ["352094117788999"], serial: "F2LXK0ABHG7K").refuses("already has a certificate (\(number)")
        try await bench.issue(imei: [], serial: "f2lx-k0ab-hg7k").refuses("already has a certificate (\(number)")

        let void = try await bench.run(["certificate", "void", number, "--reason", "customer changed their mind"])
        #expect(void.status == 0, "\(void.stderr)")
        let bySerial = try await bench.issue(imei: [], serial: "F2LXK0ABHG7K")
        #expect(bySerial.status == 0, "\(bySerial.stderr)")
        let second = try BenchCLI.number(bySerial)
        // The new certificate holds the linked IMEI too: the IMEI-only request is the same phone.
        try await bench.issue(imei: ["352094117788999"]).refuses("already has a certificate (\(second)")
    }

    /// Two phones linked the other way round: a serial-only certificate first, then the IMEI and serial together.
    @Test func aSerialOnlyCertificateFindsItsIMEIOnceLinked() async throws {
        let bench = try BenchCLI()
        let first = try await bench.issue(imei: [], serial: "C39XQ0ABHG7K")
        let number = try BenchCLI.number(first)
        try await bench.issue(imei: ["352094117788981"], serial: "C39XQ0ABHG7K").refuses("already has a certificate (\(number)")
        try await bench.issue(imei: ["352094117788981"]).refuses("already has a certificate (\(number)")
    }

    // MARK: - Text fields

    @Test(arguments: [
        ["--holder-name", "Ivanova\u{1B}[2J Aliya"], ["--holder-name", "Ivanova\nAliya"], ["--consultant", "aigerim\u{7}"],
        ["--model-identifier", "iPhone12,1\u{1B}"], ["--serial", "DX3V\u{1}K1AB"],
    ])
    func textWithControlCharactersIsRefused(_ extra: [String]) async throws {
        let bench = try BenchCLI()
        try await bench.issue(extra).refuses("holds a control character (U+")
    }
}

/// The FAQ's "one device per customer" (trade-in-rules.md): one live certificate per IIN, a setting.
@Suite struct OneDevicePerCustomerTests {
    @Test func aSecondLiveCertificateForTheSameHolderIsRefusedNamingTheFirst() async throws {
        let bench = try BenchCLI()
        let first = try BenchCLI.number(try await bench.issue(imei: ["352094117788999"], ["--iin", "900101300007"]))
        try await bench.issue(imei: ["352094117788981"], ["--iin", "900101300007"])
            .refuses("The holder (IIN 90010130****) already has certificate \(first), issued at ALA-SAMAL2-100 on \(BenchCLI.day()) and not yet spent: one customer hands over one device; spend or void that certificate first.")
        // Another customer is not affected; the full IIN is never in the sentence.
        #expect(try await bench.issue(imei: ["352094117788981"], ["--iin", "851231450018"]).status == 0)
        // Once the first is spent, the holder may hand over another phone.
        let redeemed = try await bench.run([
            "certificate", "redeem", first, "--price", "400000", "--min-prepayment", "50000", "--max-prepayment", "300000",
            "--months", "24",
        ])
        #expect(redeemed.status == 0, "\(redeemed.stderr)")
        #expect(try await bench.issue(imei: [Fixtures.imei(77)], ["--iin", "900101300007"]).status == 0)
    }

    @Test func theSettingAllowsMoreLiveCertificatesPerHolder() async throws {
        let bench = try BenchCLI()
        try #"{"max_live_certificates_per_holder": 2}"#.write(toFile: bench.directory.path("config.json"), atomically: true, encoding: .utf8)
        #expect(try await bench.issue(imei: [Fixtures.imei(81)], ["--iin", "900101300007"]).status == 0)
        #expect(try await bench.issue(imei: [Fixtures.imei(82)], ["--iin", "900101300007"]).status == 0)
        try await bench.issue(imei: [Fixtures.imei(83)], ["--iin", "900101300007"]).refuses("(at most 2 live certificates)")
        try #"{"max_live_certificates_per_holder": 0}"#.write(toFile: bench.directory.path("config.json"), atomically: true, encoding: .utf8)
        try await bench.issue(imei: [Fixtures.imei(84)], ["--iin", "900101300007"]).refuses("max_live_certificates_per_holder to 0")
    }
}
