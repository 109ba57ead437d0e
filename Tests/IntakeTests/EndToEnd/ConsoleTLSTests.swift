// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Foundation
import Testing

/// The console over HTTPS: a certificate and key let it serve the store's network without --insecure-http.
@Suite("The console over TLS", .serialized)
struct ConsoleTLSTests {
    /// A self-signed certificate and its key, made by openssl in `directory`.
    static func selfSigned(in directory: URL) throws -> (certificate: String, key: String) {
        let certificate = directory.appendingPathComponent("console.crt").path
        let key = directory.appendingPathComponent("console.key").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                             "-days", "1", "-subj", "/CN=intake-bench.local"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (certificate, key)
    }

    /// curl's HTTP status for `url` (`000` when no HTTP answer came), certificate checks off (self-signed).
    static func status(_ url: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-ks", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", url]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("With a certificate and key the console listens beyond loopback over HTTPS only")
    func servesHTTPSBeyondLoopback() throws {
        let directory = try TemporaryDirectory()
        let (certificate, key) = try Self.selfSigned(in: directory.url)
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let daemon = try RunningDaemon(
            simulator: simulator, arguments: ["--listen", "0.0.0.0:0", "--tls-certificate", certificate, "--tls-key", key])
        let line = try #require(daemon.waitFor("console listening on https://"))
        let port = try #require(line.components(separatedBy: "port=").last.flatMap { Int($0.prefix { $0.isNumber }) })
        #expect(try Self.status("https://127.0.0.1:\(port)/api/v1/openapi.json") == "200")
        #expect(try Self.status("http://127.0.0.1:\(port)/api/v1/openapi.json") != "200")
        #expect(!daemon.journal.contains { $0.contains("over plain HTTP") })
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(daemon.exitStatus(within: 25).status == 0)
    }

    @Test("A certificate without its key, or a file that is not PEM, ends the daemon with one sentence")
    func badTLSSettingsAreRefused() throws {
        let directory = try TemporaryDirectory()
        let (certificate, _) = try Self.selfSigned(in: directory.url)
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        let alone = try RunningDaemon(simulator: simulator, arguments: ["--tls-certificate", certificate])
        #expect(alone.exitStatus(within: 25).status == 1)
        #expect(alone.journal.contains { $0.contains("needs both a certificate and its key") }, "\(alone.journal)")
        let garbage = directory.path("garbage.pem")
        try "not a key".write(toFile: garbage, atomically: true, encoding: .utf8)
        let wrong = try RunningDaemon(simulator: simulator, arguments: ["--tls-certificate", certificate, "--tls-key", garbage])
        #expect(wrong.exitStatus(within: 25).status == 1)
        #expect(wrong.journal.contains { $0.contains("cannot be read as a PEM private key") }, "\(wrong.journal)")
    }
}
