// SPDX-License-Identifier: Apache-2.0
//
// Debian's chromium driven through chromedriver's W3C WebDriver protocol (the protocol Selenium speaks), so the
// console is tested in the real browser from the same test process that runs the daemon and the simulators.

import DeviceSimulators
import Foundation
import Testing

final class WebDriver: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let driver: Process
    private let base: URL
    private let session: String

    /// Starts chromedriver on a free port and a headless Chromium session with a tablet-sized window.
    init(width: Int = 1280, height: Int = 900) async throws {
        for path in ["/usr/bin/chromedriver", "/usr/bin/chromium"] where !FileManager.default.isExecutableFile(atPath: path) {
            throw Failure(description: "\(path) is missing: run scripts/install-deps (Debian's chromium and chromium-driver).")
        }
        // A port free right now (a random one collided now and then with another test's listener).
        let probe = ADBDeviceSimulator(.init(profile: .samsungS10))
        let port = Int(try probe.listen())
        probe.stop()
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
        driver.arguments = ["--port=\(port)"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        base = URL(string: "http://127.0.0.1:\(port)")!
        var started: [String: Any]?
        // chromedriver can take seconds to listen on a loaded machine: up to 30 s.
        var ready = false
        for _ in 0..<300 where !ready {
            try? await Task.sleep(for: .milliseconds(100))
            if let status = try? await Self.call(base, "GET", "/status"), (status["value"] as? [String: Any])?["ready"] as? Bool == true { ready = true }
        }
        guard ready else {
            driver.terminate()
            throw Failure(description: "chromedriver did not answer on port \(port) within 30 s.")
        }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                         "--user-data-dir=\(FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path)"],
            ] as [String: Any],
        ] as [String: Any]]]
        started = try await Self.call(base, "POST", "/session", capabilities)
        guard let value = started?["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            driver.terminate()
            throw Failure(description: "chromedriver started no Chromium session: \(started ?? [:])")
        }
        session = id
    }

    deinit {
        if driver.isRunning { driver.terminate() }
    }

    func quit() async {
        _ = try? await Self.call(base, "DELETE", "/session/\(session)")
        driver.terminate()
    }

    /// One WebDriver call through curl (FoundationNetworking's client and chromedriver's server disagree on
    /// headers here: "Failed writing header").
    private static func call(_ base: URL, _ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "-m", "60", "-X", method, base.absoluteString + path]
        if body != nil { arguments += ["-H", "Content-Type: application/json", "--data-binary", "@-"] }
        curl.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        curl.standardInput = input
        curl.standardOutput = output
        try curl.run()
        if let body { try input.fileHandleForWriting.write(contentsOf: try JSONSerialization.data(withJSONObject: body)) }
        try input.fileHandleForWriting.close()
        let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        curl.waitUntilExit()
        guard curl.terminationStatus == 0 else { throw Failure(description: "curl \(method) \(path) failed with \(curl.terminationStatus)") }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    @discardableResult
    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let answer = try await Self.call(base, method, "/session/\(session)" + path, body)
        if let value = answer["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "WebDriver \(path): \(error): \(value["message"] ?? "")")
        }
        return answer["value"]
    }

    func open(_ url: URL) async throws { try await command("POST", "/url", ["url": url.absoluteString]) }

    /// The first element matching `css`, waiting up to `seconds` for it.
    func element(_ css: String, seconds: Double = 10) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if let value = try? await command("POST", "/element", ["using": "css selector", "value": css]) as? [String: Any],
                let id = value.values.first as? String
            {
                return id
            }
            try await Task.sleep(for: .milliseconds(50))
        } while Date() < deadline
        throw Failure(description: "no element \(css) within \(seconds) s")
    }

    func type(_ text: String, into css: String) async throws {
        let id = try await element(css)
        try await command("POST", "/element/\(id)/clear", [:])
        try await command("POST", "/element/\(id)/value", ["text": text])
    }

    func click(_ css: String) async throws {
        let id = try await element(css)
        try await command("POST", "/element/\(id)/click", [:])
    }

    func text(_ css: String) async throws -> String {
        let id = try await element(css)
        return (try await command("GET", "/element/\(id)/text") as? String) ?? ""
    }

    /// Runs `script` in the page (its `arguments` are `args`) and returns its result.
    @discardableResult
    func run(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await command("POST", "/execute/sync", ["script": script, "args": args])
    }

    /// Waits until `script` returns true in the page.
    func wait(until script: String, seconds: Double = 10, _ what: String) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if (try? await run(script)) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(50))
        } while Date() < deadline
        throw Failure(description: "the page never showed \(what) within \(seconds) s")
    }

    /// Opens a new tab and returns its handle (the current tab stays current).
    func newTab() async throws -> String {
        let value = try await command("POST", "/window/new", ["type": "tab"]) as? [String: Any]
        guard let handle = value?["handle"] as? String else { throw Failure(description: "chromedriver opened no tab") }
        return handle
    }

    /// The current tab's handle.
    func currentTab() async throws -> String {
        guard let handle = try await command("GET", "/window") as? String else { throw Failure(description: "no current tab") }
        return handle
    }

    /// Makes the tab with `handle` the one commands go to.
    func switchTo(_ handle: String) async throws { try await command("POST", "/window", ["handle": handle]) }

    /// Saves a PNG of the page.
    func screenshot(to url: URL) async throws {
        guard let base64 = try await command("GET", "/screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}
