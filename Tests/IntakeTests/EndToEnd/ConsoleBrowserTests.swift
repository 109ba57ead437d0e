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

        // Every check the session asks for passes, cosmetic B, box and charger present (what a consultant taps);
        // the offer with its breakdown is there as soon as the answers allow.
        let card = ".card[data-device='ios:\(phone.udid)']"
        try await Self.answerEverything(browser, in: card)
        try await browser.wait(until: "return !!document.querySelector(\"\(card) .offer\") && !!document.querySelector(\"\(card) .breakdown\") && !!document.querySelector(\"\(card) input[name=iin]\")", "the offer and the holder form")
        // A device-read result is shown locked: its buttons cannot be pressed.
        #expect(try await browser.run("return [...document.querySelectorAll(\"\(card) fieldset.automatic button\")].every(b => b.disabled) && document.querySelectorAll(\"\(card) fieldset.automatic button\").length > 0") as? Bool == true)
        try await browser.type("Айгерим Сапарова", into: ".card input[name=name]")
        try await browser.type("900101300008", into: ".card input[name=iin]")
        try await browser.wait(until: "return document.querySelector('.card form.answers .error').textContent.length > 0", "the wrong IIN refused as typed")
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("3-wrong-iin.png"))
        try await browser.type("900101300007", into: ".card input[name=iin]")
        try await browser.run("const i = document.querySelector('.card input[name=birth_date]'); i.value = '1990-01-01'; i.dispatchEvent(new Event('input'));")
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

        // The certificates: looked up by number (holder masked), in today's intakes, and in the accounting CSV.
        let number = try #require(try await browser.run("return document.querySelector(\"\(card) .certificate .offer\").textContent.split(' ').pop()") as? String)
        try await browser.click("#tab-certificates")
        try await browser.type(number, into: "#lookup-query")
        try await browser.click("#lookup-submit")
        try await browser.wait(until: "return !!document.querySelector('#lookup-result .found')", "the certificate found")
        let found = try await browser.text("#lookup-result .found")
        #expect(found.contains("90010130****"), "\(found)")
        #expect(!found.contains("900101300007"))
        try await browser.wait(until: "return [...document.querySelectorAll('#intakes tbody tr')].some(r => r.dataset.number === '\(number)')", "today's intakes with the certificate")
        let csv = try await Self.fetchText(browser, script: "return document.getElementById('export-link').href")
        #expect(csv.contains(number), "\(csv)")
        #expect(csv.contains("90010130****"))
        #expect(!csv.contains("900101300007"))
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("6-certificates.png"))
        try await browser.click("#tab-bench")

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

    /// Taps "yes" on every consultant check and the kit, and grade B, one tap at a time as a consultant does
    /// (each tap is sent at once and the card comes back with the new offer).
    static func answerEverything(_ browser: WebDriver, in card: String) async throws {
        for _ in 0..<60 {
            let left = try await browser.run("""
                const card = document.querySelector(arguments[0]);
                if (!card) return -1;
                const open = [...card.querySelectorAll('fieldset.consultant .check, .check.kit')].filter(c => !c.querySelector('button.chosen'));
                if (open.length) { open[0].querySelector('button[data-answer=pass]').click(); return open.length; }
                const grade = card.querySelector('fieldset.cosmetic');
                if (grade && !grade.querySelector('button.chosen')) { grade.querySelector('button[name="cosmetic:B"]').click(); return 1; }
                return 0;
                """, [card]) as? Int
            if left == 0 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        let html = try await browser.run("return document.querySelector(arguments[0])?.outerHTML ?? 'no card'", [card]) as? String ?? ""
        throw WebDriver.Failure(description: "the checklist of \(card) was never all answered: \(html)")
    }

    /// The text at the URL `script` returns, fetched by the page itself (with its session cookie).
    static func fetchText(_ browser: WebDriver, script: String) async throws -> String {
        let url = try #require(try await browser.run(script) as? String)
        try await browser.run("window.__fetched = null; fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text()).then(t => { window.__fetched = t; });", [url])
        try await browser.wait(until: "return window.__fetched !== null", "the download")
        return try #require(try await browser.run("return window.__fetched") as? String)
    }

    @Test("two devices at once in two tabs: an iPhone and an Android phone, each tab its own consultant, each certified; the other's card is marked")
    func twoTabs() async throws {
        let slip = FileManager.default.temporaryDirectory.appendingPathComponent("console-slip-\(UUID().uuidString).txt")
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("console-config-\(UUID().uuidString).json")
        try Data(#"{"printer": "\#(slip.path)"}"#.utf8).write(to: config)
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let adbd = ADBDeviceSimulator(.init(profile: .xiaomiRedmiNote10, auth: .trusting([], onNewKey: .allowAfter(.zero))))
        let port = try adbd.listen()
        defer { adbd.stop() }
        let daemon = try RunningDaemon(simulator: simulator, arguments: ["--config", config.path, "--adb-tcp", "127.0.0.1:\(port)"]) {
            try ConsoleAPITests.addConsultant("C1", pin: "2468", in: $0)
            try ConsoleAPITests.addConsultant("C2", pin: "1357", in: $0)
        }
        defer { daemon.send(SIGTERM) }
        let base = try #require(daemon.consoleURL())
        let browser = try await WebDriver()
        let first = try await browser.currentTab()
        try await Self.logIn(browser, base, "C1", "2468")
        let second = try await browser.newTab()
        try await browser.switchTo(second)
        try await Self.logIn(browser, base, "C2", "1357")

        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        simulator.attach(phone, alreadyPaired: true)
        let iphone = ".card[data-device='ios:\(phone.udid)']"
        let android = ".card[data-device='tcp:127.0.0.1:\(port)']"
        for tab in [first, second] {
            try await browser.switchTo(tab)
            for card in [iphone, android] {
                try await browser.wait(until: "return document.querySelector(\"\(card)\")?.dataset.state === 'checklist'", seconds: 30, "\(card) at the checklist")
            }
        }
        // Tab one answers the iPhone, tab two the Android phone, interleaved.
        try await browser.switchTo(first)
        try await Self.answerEverything(browser, in: iphone)
        try await browser.switchTo(second)
        try await Self.answerEverything(browser, in: android)
        try await browser.wait(until: "return document.querySelector(\"\(iphone)\").classList.contains('other')", "the iPhone marked as C1's in C2's tab")
        try await Self.holder(browser, card: android, name: "Нұрлан Әбенов", iin: "851231450018", birth: "1985-12-31")
        try await browser.switchTo(first)
        try await browser.wait(until: "return document.querySelector(\"\(android)\").classList.contains('other')", "the Android phone marked as C2's in C1's tab")
        try await Self.holder(browser, card: iphone, name: "Айгерим Сапарова", iin: "900101300007", birth: "1990-01-01")
        for tab in [first, second] {
            try await browser.switchTo(tab)
            for card in [iphone, android] {
                try await browser.wait(until: "return document.querySelector(\"\(card)\")?.dataset.state === 'printed'", seconds: 30, "\(card) printed")
            }
        }
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("7-two-tabs.png"))
        // A file printer holds the last slip printed; the iPhone's holder was accepted last.
        let last = try String(contentsOf: slip, encoding: .utf8)
        #expect(last.contains("90010130****"), "\(last)")
        for (tab, card) in [(first, iphone), (second, android)] {
            try await browser.switchTo(tab)
            let text = try await browser.text("\(card) .certificate")
            #expect(text.contains("ALA-"), "\(text)")
        }
        await browser.quit()
    }

    static func logIn(_ browser: WebDriver, _ base: URL, _ consultant: String, _ pin: String) async throws {
        try await browser.open(base)
        try await browser.type(consultant, into: "#login-consultant")
        try await browser.type(pin, into: "#login-pin")
        try await browser.click("#login-submit")
        try await browser.wait(until: "return !document.getElementById('bench').hidden", "the bench after \(consultant)'s login")
    }

    /// Fills the holder's form on `card` and accepts the offer.
    static func holder(_ browser: WebDriver, card: String, name: String, iin: String, birth: String) async throws {
        try await browser.type(name, into: "\(card) input[name=name]")
        try await browser.type(iin, into: "\(card) input[name=iin]")
        try await browser.run("const i = document.querySelector(arguments[0]); i.value = arguments[1]; i.dispatchEvent(new Event('input'));", ["\(card) input[name=birth_date]", birth])
        try await browser.type("N1234567", into: "\(card) input[name=document_number]")
        try await browser.click("\(card) button.accept")
    }

    @Test("an Android phone whose IMEI and storage cannot be read: the card asks for both, a wrong IMEI is refused as typed, then the checklist and the offer")
    func missingIMEIAndStorage() async throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        // A phone that answers neither IMEI call nor tells its storage (no df, no partitions).
        var profile = ADBDeviceProfile.xiaomiRedmiNote10
        for command in profile.commands.keys where command.hasPrefix("service call iphonesubinfo") || command == "df /data" || command == "cat /proc/partitions" {
            profile.commands[command] = nil
        }
        let adbd = ADBDeviceSimulator(.init(profile: profile, auth: .trusting([], onNewKey: .allowAfter(.zero))))
        let port = try adbd.listen()
        defer { adbd.stop() }
        let daemon = try RunningDaemon(simulator: simulator, arguments: ["--adb-tcp", "127.0.0.1:\(port)"]) {
            try ConsoleAPITests.addConsultant("C1", pin: "2468", in: $0)
        }
        defer { daemon.send(SIGTERM) }
        let base = try #require(daemon.consoleURL())
        let browser = try await WebDriver()
        try await Self.logIn(browser, base, "C1", "2468")
        let card = ".card[data-device='tcp:127.0.0.1:\(port)']"
        try await browser.wait(
            until: "return !!document.querySelector(\"\(card) input[name=imei]\") && !!document.querySelector(\"\(card) input[name=storage_gb]\")",
            seconds: 30, "the card asking for the IMEI and the storage")
        try await browser.type("864532055512345", into: "\(card) input[name=imei]")
        try await browser.wait(until: "return document.querySelector(\"\(card) form.answers .error\").textContent.length > 0", "the wrong IMEI refused as typed")
        try await browser.screenshot(to: Self.screenshots.appendingPathComponent("8-card-asks-imei.png"))
        try await browser.type("864532055512344", into: "\(card) input[name=imei]")
        #expect(try await browser.text("\(card) form.answers .error").isEmpty)
        try await browser.type("64", into: "\(card) input[name=storage_gb]")
        try await browser.click("\(card) button.save")
        try await browser.wait(
            until: "return !document.querySelector(\"\(card) input[name=imei]\") && !document.querySelector(\"\(card) input[name=storage_gb]\")",
            seconds: 20, "the typed IMEI and storage taken")
        try await Self.answerEverything(browser, in: card)
        try await browser.wait(until: "return !!document.querySelector(\"\(card) .offer\")", "the offer")
        let offer = try await browser.text("\(card) .offer-block")
        #expect(offer.contains("64"), "the offer is for the typed storage: \(offer)")
        await browser.quit()
    }
}
