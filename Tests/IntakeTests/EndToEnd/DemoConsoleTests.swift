// SPDX-License-Identifier: Apache-2.0
//
// `intake-agent demo --console`: the daemon on the demo's simulated phones with the console open, as a newcomer
// starts it; the test logs in as the printed demo consultant and sees both cards.

import Foundation
import Testing

@Suite("demo --console")
struct DemoConsoleTests {
    @Test("answers on its printed address; the demo consultant logs in with the printed PIN and sees the iPhone's and the Android phone's cards; SIGINT stops it with 0")
    func consoleDemo() async throws {
        let demo = try ChildAgent(["demo", "--console", "--listen", "127.0.0.1:0"])
        func value(_ label: String) -> String? {
            demo.waitForLine(startingWith: label).map { $0.dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }
        let journal = { demo.stderrLines.joined(separator: "\n") }
        let address = try #require(value("Console:"))
        let consultant = try #require(value("Consultant:"))
        let pin = try #require(value("PIN:"))
        let base = try #require(URL(string: address))
        #expect(address.hasPrefix("http://127.0.0.1:"))
        #expect(pin.count == 6 && pin.allSatisfy(\.isNumber))

        let wrong = try await HTTPCall(base: base).send("POST", "api/v1/login", json: ["consultant": consultant, "pin": pin == "000000" ? "111111" : "000000"])
        #expect(wrong.status == 401)
        let login = try await HTTPCall(base: base).send("POST", "api/v1/login", json: ["consultant": consultant, "pin": pin])
        #expect(login.status == 200, "\(login.text)")
        let api = HTTPCall(base: base, token: try #require(login.json["token"] as? String))

        // Both cards: the iPhone through usbmuxd, the Xiaomi over ADB (after its Allow prompt), both read to the checklist.
        var platforms: [String: String] = [:]
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let sessions = try await api.send("GET", "api/v1/sessions").json["sessions"] as? [[String: Any]] ?? []
            platforms = [:]
            for session in sessions {
                if let platform = (session["device"] as? [String: Any])?["platform"] as? String {
                    platforms[platform] = session["state"] as? String
                }
            }
            if platforms["ios"] == "checklist" && platforms["android"] == "checklist" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(platforms == ["ios": "checklist", "android": "checklist"], "\(journal())")
        #expect(demo.stop(SIGINT) == 0, "\(journal())")
    }
}
