// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import Synchronization

/// Shared by the ADB tests: one host key (RSA generation is slow), and simulated phones on free loopback ports.
enum ADBTestSupport {
    static let key: ADBKey = try! ADBKey.generate(comment: "tests@intake")
    static let otherKey: ADBKey = try! ADBKey.generate(comment: "stranger@elsewhere")

    /// Quick timeouts: tests never wait long for a phone that will not answer.
    static let options = AndroidReader.Options(
        commandTimeout: .seconds(5), handshake: .init(answer: .seconds(5), allow: .seconds(5)))

    /// Runs `body` against a simulated phone listening on a free port; stops it afterwards.
    static func withSimulator<T>(
        _ profile: ADBDeviceProfile, auth: ADBDeviceSimulator.Auth? = nil, latency: Duration = .zero,
        misbehavior: ADBDeviceSimulator.Misbehavior = .none, _ body: (ADBDeviceSimulator, UInt16) async throws -> T
    ) async throws -> T {
        let simulator = ADBDeviceSimulator(.init(
            profile: profile, shellLatency: latency,
            auth: auth ?? (profile.tradeInMode ? .disabled : .trusting([key.publicKeyText])), misbehavior: misbehavior))
        let port = try simulator.listen()
        defer { simulator.stop() }
        return try await body(simulator, port)
    }

    static func inspect(port: UInt16, key: ADBKey = key, options: AndroidReader.Options = options,
                        onAwaitingAllow: @Sendable () -> Void = {}) async throws -> DeviceReport {
        let transport = try ADBTCPTransport(host: "127.0.0.1", port: port)
        return try await AndroidReader.inspect(over: transport, key: key, options: options, onAwaitingAllow: onAwaitingAllow)
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("intake-adb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A flag set from a `@Sendable` callback and read by the test.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
