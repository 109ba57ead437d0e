// SPDX-License-Identifier: Apache-2.0
//
// The console in real Chromium against the real daemon and the simulated iPhone: log in, the card appears when the
// phone is plugged in, the checklist is answered, a wrong IIN is refused on the spot, the certificate is issued
// and the slip printed to a file printer, the device erased from its card; an unplugged phone greys its card. Screenshots of each step go to
// .build/console-screenshots (test artefacts); docs/console/ keeps one of each card state for review.

import DeviceSimulators
import Foundation
import Testing

@Suite("the console in Chromium", .serialized)
struct ConsoleBrowserTests {
    static let screenshots: URL = {
        var package = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { package.deleteLastPathComponent() }
        return package.appendingPathComponent(".build/console-screenshots")
    }()

    @Test("log in, see the card, answer, a wrong IIN refused on the spot, issue, printed; an unplug greys the card")
    func consultantFlow() async throws {
        let slip = FileManager.default.temporaryDirectory.appendingPathComponent("console-slip-\(UUID().uuidString).txt")
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("console-config-\(UUID().uuidString).json")
        try Data(#"{"printer": "\#(slip.path)"}"#.utf8).write(to: config)
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let daemon = try RunningDaemon(simulator: simulator, arguments: ["--config", config.path]) {
            try ConsoleAPITests.addConsultant("C1", pin: "2468", in: $0)
        }
        defer { daemon.send(SIGTERM) }
        let base = try #require(daemon.consoleURL())
        let browser = try await WebDriver()

        try await browser.open(base)
        try await browser.type("C1", into: "#login-consultant")
        try await browser.type("1111", into: "#login-pin")
        try await browser.click("#login-submit")
        try await browser.wait(until: "return document.getElementById('login-error').textContent.length > 0", "the wrong-PIN sentence")
        try await browser.type("2468", into: "#login-pin")
        try await browser.click("#login-submit")
        try await browser.wait(until: "return !document.getElementById('bench').hidden", "the bench after login")
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("1-empty-bench.png"))

        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        simulator.attach(phone, alreadyPaired: true)
        try await browser.wait(
            until: "return [...document.querySelectorAll('.card')].some(c => c.dataset.state === 'checklist' && c.textContent.includes('iPhone 11'))",
            seconds: 20, "the iPhone's card at the checklist")
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("2-card-checklist.png"))

        // Every check the session asks for passes, cosmetic B, box and charger present (what a consultant taps).
        try await browser.run("""
            const form = document.querySelector('.card form.answers');
            form.querySelectorAll('select[name^="check:"]').forEach(s => { s.value = 'pass'; });
            form.querySelector('select[name="cosmetic"]').value = 'B';
            form.querySelectorAll('input[type=checkbox]').forEach(b => { b.checked = true; });
            """)
        try await browser.click(".card form.answers button.secondary")
        try await browser.wait(until: "return !!document.querySelector('.card .offer') && !!document.querySelector('.card input[name=iin]')", "the offer and the holder form")
        try await browser.type("Айгерим Сапарова", into: ".card input[name=name]")
        try await browser.type("900101300008", into: ".card input[name=iin]")
        try await browser.wait(until: "return document.querySelector('.card form.answers .error').textContent.length > 0", "the wrong IIN refused as typed")
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("3-wrong-iin.png"))
        try await browser.type("900101300007", into: ".card input[name=iin]")
        try await browser.run("document.querySelector('.card input[name=birth_date]').value = '1990-01-01';")
        try await browser.type("N1234567", into: ".card input[name=document_number]")
        try await browser.click(".card button.accept")
        try await browser.wait(
            until: "return [...document.querySelectorAll('.card')].some(c => c.dataset.state === 'printed')", seconds: 30,
            "the card printed")
        let cardText = try await browser.text(".card")
        #expect(cardText.contains("ALA-"), "\(cardText)")
        #expect(!cardText.contains("900101300007"))
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("4-card-printed.png"))
        let printed = try String(contentsOf: slip, encoding: .utf8)
        #expect(printed.contains("90010130****"), "\(printed)")

        // The erasure step on the printed card: the consultant confirms the customer is here and agrees.
        try await browser.run("window.confirm = () => true;")
        try await browser.click(".card button.erase")
        try await browser.wait(
            until: "return !!document.querySelector('.card .erasure[data-erasure=erased]')", seconds: 60, "the card erased")
        let erasedText = try await browser.text(".card .erasure")
        #expect(erasedText.contains("-E1"), "\(erasedText)")
        #expect(try await browser.run("return document.querySelectorAll('.card button.erase').length") as? Int == 0, "erased once")
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("4b-card-erased.png"))

        // A second phone, unplugged mid-checklist: its card greys.
        let second = SimulatedIOSDevice.oldIPhone7.withFreshIdentity()
        simulator.attach(second, alreadyPaired: true)
        try await browser.wait(
            until: "return [...document.querySelectorAll('.card')].some(c => c.dataset.state === 'checklist' && c.textContent.includes('iPhone 7'))",
            seconds: 20, "the second card")
        simulator.detach(udid: second.udid)
        try await browser.wait(until: "return !!document.querySelector('.card.gone')", seconds: 20, "the unplugged card greyed")
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("5-card-unplugged.png"))
        await browser.quit()
    }
}
