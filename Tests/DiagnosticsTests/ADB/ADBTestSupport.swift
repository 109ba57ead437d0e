// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Shared by the ADB tests: one host key (RSA generation is slow), and simulated phones on free loopback ports.
enum ADBTestSupport {
    static let key: ADBKey = try! ADBKey.generate(comment: "tests@intake")
    static let otherKey: ADBKey = try! ADBKey.generate(comment: "stranger@elsewhere")

    /// Quick timeouts: tests never wait long for a phone that will not answer.
    static let options = AndroidReader.Options(
        commandTimeout: .seconds(5), handshake: .init(answer: .seconds(5), allow: .seconds(5)))

    /// Runs `body` against a simulated phone listening on a free port; stops it afterwards.
    @discardableResult
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

    /// Runs a program to completion with a timeout, stdout and stderr together.
    ///
    /// Output goes through a file, not a pipe: the adb server that `adb connect` forks keeps the descriptors it
    /// inherited, so a pipe would never reach its end. The child is spawned and reaped with `posix_spawn` and
    /// `waitpid` directly, so the test never depends on a SIGCHLD monitor to see it exit.
    static func runProcess(_ path: String, _ args: [String], environment: [String: String], timeout: TimeInterval) throws
        -> (status: Int32, out: String)
    {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("adb-out-\(UUID().uuidString)").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0)=\($1)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw SpawnError(reason: String(cString: strerror(rc))) }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw SpawnError(reason: "\(path) \(args.joined(separator: " ")) did not finish within \(Int(timeout)) s")
            }
            usleep(10_000)
        }
        let exited = (status & 0x7f) == 0
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (exited ? (status >> 8) & 0xff : -1, output)
    }

    struct SpawnError: Error, CustomStringConvertible {
        let reason: String
        var description: String { "Could not run adb: \(reason)." }
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
