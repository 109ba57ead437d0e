// SPDX-License-Identifier: Apache-2.0
//
// The console's API against the real daemon (the built binary), the simulated iPhone, real HTTP.

import DeviceSimulators
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Plain HTTP calls with a status, a JSON body and the headers, for the API tests.
struct HTTPCall {
    let base: URL
    var token: String?

    struct Answer {
        let status: Int
        let json: [String: Any]
        let text: String
        let headers: [String: String]
    }

    func send(_ method: String, _ path: String, json body: Any? = nil, headers extra: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in extra { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        let text = String(decoding: data, as: UTF8.self)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers[String(describing: name).lowercased()] = String(describing: value) }
        return Answer(
            status: http.statusCode, json: (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:], text: text,
            headers: headers)
    }
}

@Suite("the console's API on the running daemon", .serialized)
struct ConsoleAPITests {
    static func addConsultant(_ id: String, pin: String, in directory: URL) throws {
        let pinFile = directory.appendingPathComponent("pin-\(id)")
        try Data((pin + "\n").utf8).write(to: pinFile)
        let added = try AgentBinary.runBlocking(["consultant", "add", id, "--name", "Айгерим Сапарова", "--pin-file", pinFile.path, "--data-dir", directory.path])
        try FileManager.default.removeItem(at: pinFile)
        #expect(added.status == 0, "\(added.stderr)")
    }

    static func daemon() throws -> (USBMuxSimulator, RunningDaemon, URL) {
        let simulator = try USBMuxSimulator.start()
        let daemon = try RunningDaemon(simulator: simulator) { try addConsultant("C1", pin: "2468", in: $0) }
        let url = try #require(daemon.consoleURL())
        return (simulator, daemon, url)
    }

    static func login(_ base: URL, pin: String = "2468") async throws -> HTTPCall.Answer {
        try await HTTPCall(base: base).send("POST", "api/v1/login", json: ["consultant": "C1", "pin": pin])
    }

    @Test("without a token every API route but login and the document answers 401 in one sentence")
    func unauthorized() async throws {
        let (simulator, daemon, base) = try Self.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let call = HTTPCall(base: base)
        for (method, path) in [("GET", "api/v1/sessions"), ("GET", "api/v1/sessions/x"), ("POST", "api/v1/sessions/x/answers"),
                               ("GET", "api/v1/events"), ("GET", "api/v1/certificates?number=1"), ("GET", "api/v1/checks"),
                               ("GET", "api/v1/intakes"), ("GET", "api/v1/certificates/export?from=2026-01-01&to=2026-01-31"),
                               ("POST", "api/v1/redemption/split"), ("POST", "api/v1/sessions/x/read-again")] {
            let answer = try await call.send(method, path, json: method == "POST" ? [:] : nil)
            #expect(answer.status == 401, "\(method) \(path): \(answer.status)")
            #expect(answer.headers["x-content-type-options"] == "nosniff", "\(answer.headers)")
            #expect((answer.json["error"] as? String)?.isEmpty == false)
        }
        #expect(try await call.send("GET", "api/v1/openapi.json").status == 200)
        let page = try await call.send("GET", "")
        #expect(page.status == 200)
        #expect(page.text.contains("<script src=\"/app.js\""))
    }

    @Test("login: a wrong PIN is 401, the fifth in a row locks for five minutes (423, even with the right PIN), logged without the PIN")
    func lockout() async throws {
        let (simulator, daemon, base) = try Self.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        for attempt in 1...4 {
            let wrong = try await Self.login(base, pin: "9753")
            #expect(wrong.status == 401, "attempt \(attempt)")
            #expect(wrong.json["field"] as? String == "pin")
        }
        #expect(try await Self.login(base, pin: "9753").status == 423)
        let locked = try await Self.login(base)
        #expect(locked.status == 423)
        #expect((locked.json["error"] as? String)?.contains("locked") == true)
        daemon.waitFor("consultant locked after wrong PINs")
        #expect(!daemon.journal.contains { $0.contains("9753") || $0.contains("2468") })
        let list = try AgentBinary.runBlocking(["consultant", "list", "--data-dir", daemon.dataDirectory.path])
        #expect(list.stdout.contains("locked until"), "\(list.stdout)")
    }

    @Test("an iPhone from plug to certificate over the API: the session, a wrong IIN refused with the field (422, nothing applied), the certificate by the consultant who logged in")
    func plugToCertificate() async throws {
        let (simulator, daemon, base) = try Self.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let login = try await Self.login(base)
        #expect(login.status == 200, "\(login.text)")
        #expect(login.headers["set-cookie"]?.contains("HttpOnly") == true)
        #expect(login.headers["set-cookie"]?.contains("SameSite=Strict") == true)
        let call = HTTPCall(base: base, token: try #require(login.json["token"] as? String))

        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        simulator.attach(phone, alreadyPaired: true)
        daemon.waitFor("device=ios:\(phone.udid)", "event=answers_pending")
        let sessions = try await call.send("GET", "api/v1/sessions")
        let listed = try #require((sessions.json["sessions"] as? [[String: Any]])?.first { $0["device_key"] as? String == "ios:\(phone.udid)" })
        let id = try #require(listed["id"] as? String)
        #expect(listed["state"] as? String == "checklist")
        let missing = try #require(listed["missing"] as? [String])
        #expect(missing.contains("display_cracks"))
        #expect(missing.contains("holder.iin"))
        #expect(missing.contains("accept_offer"))
        #expect(((listed["device"] as? [String: Any])?["model"] as? [String: Any])?["name"] as? String == "iPhone 11")

        var checklist: [String: String] = [:]
        for check in missing where !check.contains(".") && !["box", "charger", "accept_offer"].contains(check) { checklist[check] = "pass" }
        let bad: [String: Any] = [
            "checklist": ["answers": checklist, "cosmetic": "B"], "box": true, "charger": true, "accept_offer": true,
            "holder": ["name": "Айгерим Сапарова", "iin": "900101300008", "birth_date": "1990-01-01", "document_number": "N1234567"],
        ]
        let refused = try await call.send("POST", "api/v1/sessions/\(id)/answers", json: bad)
        #expect(refused.status == 422)
        #expect(refused.json["field"] as? String == "holder.iin")
        #expect(!refused.text.contains("900101300008"))
        let still = try await call.send("GET", "api/v1/sessions/\(id)")
        #expect(still.json["state"] as? String == "checklist")

        var good = bad
        good["holder"] = ["name": "Айгерим Сапарова", "iin": "900101300007", "birth_date": "1990-01-01", "document_number": "N1234567"]
        let accepted = try await call.send("POST", "api/v1/sessions/\(id)/answers", json: good)
        #expect(accepted.status == 200, "\(accepted.text)")
        daemon.waitFor("device=ios:\(phone.udid)", "event=certificate_issued")
        let done = try await call.send("GET", "api/v1/sessions/\(id)")
        let certificate = try #require(done.json["certificate"] as? [String: Any], "\(done.text)")
        #expect(certificate["consultant"] as? String == "C1")
        #expect(certificate["holder_iin"] as? String == "90010130****")
        #expect(!done.text.contains("900101300007"))
        let number = try #require(certificate["number"] as? String)
        let found = try await call.send("GET", "api/v1/certificates?number=\(number)")
        #expect((found.json["certificates"] as? [[String: Any]])?.count == 1)
        let byIMEI = try await call.send("GET", "api/v1/certificates?imei=352094117788999")
        #expect((byIMEI.json["certificates"] as? [[String: Any]])?.first?["number"] as? String == number)
        // The session is over: more answers are a conflict.
        #expect(try await call.send("POST", "api/v1/sessions/\(id)/answers", json: ["box": true]).status == 409)
        #expect(!daemon.journal.contains { $0.contains("900101300007") })
    }

    @Test("the cookie alone reads, but a change with it needs the CSRF token (403 without)")
    func csrf() async throws {
        let (simulator, daemon, base) = try Self.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let login = try await Self.login(base)
        let cookie = try #require(login.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        let csrf = try #require(login.json["csrf_token"] as? String)
        let call = HTTPCall(base: base)
        #expect(try await call.send("GET", "api/v1/sessions", headers: ["Cookie": cookie]).status == 200)
        #expect(try await call.send("POST", "api/v1/logout", headers: ["Cookie": cookie]).status == 403)
        #expect(try await call.send("POST", "api/v1/logout", headers: ["Cookie": cookie, "X-CSRF-Token": csrf]).status == 200)
        #expect(try await call.send("GET", "api/v1/sessions", headers: ["Cookie": cookie]).status == 401)
    }

    @Test("the event stream sends every session at once, then each change as the whole session")
    func events() async throws {
        let (simulator, daemon, base) = try Self.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let token = try #require(try await Self.login(base).json["token"] as? String)
        let first = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        simulator.attach(first, alreadyPaired: true)
        daemon.waitFor("device=ios:\(first.udid)", "event=answers_pending")
        // curl reads the stream as a tablet would; it is stopped after a few seconds.
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sN", "--max-time", "4", "-H", "Authorization: Bearer \(token)", base.appendingPathComponent("api/v1/events").absoluteString]
        let out = Pipe()
        curl.standardOutput = out
        try curl.run()
        try await Task.sleep(for: .milliseconds(500))
        let second = SimulatedIOSDevice.oldIPhone7.withFreshIdentity()
        simulator.attach(second, alreadyPaired: true)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let events = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("event: session") }
        #expect(events.first?.contains("ios:\(first.udid)") == true, "\(text.prefix(400))")
        #expect(events.contains { $0.contains("ios:\(second.udid)") && $0.contains("\"state\":\"checklist\"") }, "\(text.prefix(2000))")
        #expect(events.allSatisfy { $0.contains("\"missing\":") && $0.contains("\"device_key\":") })
    }

    @Test("a tablet's open event stream does not hold up the daemon's graceful stop: SIGTERM ends the stream and the daemon (exit 0)")
    func openStreamDoesNotHoldTheStop() async throws {
        let (simulator, daemon, base) = try Self.daemon()
        defer { simulator.stop() }
        let token = try #require(try await Self.login(base).json["token"] as? String)
        let phone = SimulatedIOSDevice.cleanIPhone11.withFreshIdentity()
        simulator.attach(phone, alreadyPaired: true)
        daemon.waitFor("device=ios:\(phone.udid)", "event=answers_pending")
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sN", "--max-time", "60", "-H", "Authorization: Bearer \(token)", base.appendingPathComponent("api/v1/events").absoluteString]
        let out = Pipe()
        curl.standardOutput = out
        try curl.run()
        defer { if curl.isRunning { curl.terminate() } }
        // The stream is open once the session has come down it.
        var received = Data()
        while !String(decoding: received, as: UTF8.self).contains("event: session") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
        }
        #expect(String(decoding: received, as: UTF8.self).contains("ios:\(phone.udid)"))
        daemon.send(SIGTERM)
        // Well inside the 20 s the service group allows before it escalates to cancelling.
        let stop = daemon.exitStatus(within: 15)
        #expect(stop.status == 0, "the daemon was still running \(stop.seconds) s after SIGTERM:\n\(daemon.journal.suffix(8).joined(separator: "\n"))")
        _ = out.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        #expect(curl.terminationStatus == 0, "the stream ended cleanly, not by curl's own time limit (\(curl.terminationStatus))")
    }

    @Test("a client that sends half a request and waits does not hold the stop: after --shutdown-seconds the daemon cancels it and ends (exit 0)")
    func halfSentRequestDoesNotHoldTheStop() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let daemon = try RunningDaemon(simulator: simulator, arguments: ["--shutdown-seconds", "1"])
        let base = try #require(daemon.consoleURL())
        let port = try #require(base.port)
        // A peer on the store's network that announces a body and never sends it (a slow or hostile client).
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        try #require(connected)
        let head = "POST /api/v1/login HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"consultant\":"
        #expect(head.utf8.withContiguousStorageIfAvailable { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == head.utf8.count)
        usleep(200_000)
        daemon.send(SIGTERM)
        // The unit's TimeoutStopSec is 30 s: the stop must come well before systemd would kill the daemon.
        let stop = daemon.exitStatus(within: 20)
        #expect(stop.status == 0, "the daemon was still running \(stop.seconds) s after SIGTERM:\n\(daemon.journal.suffix(8).joined(separator: "\n"))")
        #expect(daemon.journal.contains { $0.contains("intake-agent stopped") })
    }

    @Test("a consultant's language is kept for the next login; anything but ru, kk or en is 422 naming the field")
    func language() async throws {
        let (simulator, daemon, base) = try Self.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let first = try await Self.login(base)
        #expect((first.json["consultant"] as? [String: Any])?["language"] as? String == "ru")
        let call = HTTPCall(base: base, token: try #require(first.json["token"] as? String))
        let wrong = try await call.send("POST", "api/v1/consultant/language", json: ["language": "de"])
        #expect(wrong.status == 422)
        #expect(wrong.json["field"] as? String == "language")
        let set = try await call.send("POST", "api/v1/consultant/language", json: ["language": "kk"])
        #expect(set.status == 200, "\(set.text)")
        let again = try await Self.login(base)
        #expect((again.json["consultant"] as? [String: Any])?["language"] as? String == "kk")
    }

    @Test("a consultant disabled with the command line loses their login at the next request (401)")
    func disabledLosesTheLogin() async throws {
        let (simulator, daemon, base) = try Self.daemon()
        defer { simulator.stop(); daemon.send(SIGTERM) }
        let call = HTTPCall(base: base, token: try #require(try await Self.login(base).json["token"] as? String))
        #expect(try await call.send("GET", "api/v1/sessions").status == 200)
        let disabled = try AgentBinary.runBlocking(["consultant", "disable", "C1", "--by", "tech", "--data-dir", daemon.dataDirectory.path])
        #expect(disabled.status == 0, "\(disabled.stderr)")
        let refused = try await call.send("GET", "api/v1/sessions")
        #expect(refused.status == 401)
        #expect((refused.json["error"] as? String)?.contains("disabled") == true)
        #expect(try await Self.login(base).status == 401)
    }
}
