// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the simulated adbd honest: Debian's real `adb` (its own server on a free port, its own key in a
/// temporary home) connects to it, is let in after the Allow prompt, and runs shell commands.
@Suite(.serialized) struct RealADBClientTests {
    static let adbPath = "/usr/bin/adb"

    struct Case: Sendable, CustomTestStringConvertible {
        let profile: ADBDeviceProfile
        let model: String
        var testDescription: String { profile.name }
    }

    /// Runs `body` with Debian's `adb` (its own server on a free port, its own key in a temporary home) and a simulated
    /// phone; `adb` takes the arguments after `-P PORT`, and `serial` names the phone.
    static func withRealADB(
        _ profile: ADBDeviceProfile, auth: ADBDeviceSimulator.Auth,
        _ body: (_ adb: ([String]) throws -> (status: Int32, out: String), _ serial: String, _ home: URL, _ simulator: ADBDeviceSimulator) async throws -> Void
    ) async throws {
        let home = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let serverPort = try Self.freePort()
        let environment = [
            "HOME": home.path, "ANDROID_SDK_HOME": home.path, "ANDROID_USER_HOME": home.appendingPathComponent(".android").path,
            "PATH": "/usr/bin:/bin", "ADB_MDNS": "0", "ADB_MDNS_AUTO_CONNECT": "0",
        ]
        func adb(_ args: [String]) throws -> (status: Int32, out: String) {
            try ADBTestSupport.runProcess(Self.adbPath, ["-P", String(serverPort)] + args, environment: environment, timeout: 20)
        }
        try await ADBTestSupport.withSimulator(profile, auth: auth) { simulator, port in
            defer { _ = try? adb(["kill-server"]) }
            try await body(adb, "127.0.0.1:\(port)", home, simulator)
        }
    }

    @Test(arguments: [Case(profile: .samsungS10, model: "SM-G973F"), Case(profile: .huaweiP20Lite, model: "ANE-LX1")])
    func realADBTalksToTheSimulator(_ c: Case) async throws {
        try await Self.withRealADB(c.profile, auth: .trusting([], onNewKey: .allowAfter(.zero))) { adb, serial, home, simulator in
            let connect = try adb(["connect", serial])
            // adb reports "failed to authenticate" when the phone asked for its public key (the prompt), as with a
            // real phone seen for the first time; the device comes online once it is allowed.
            #expect(connect.out.contains("connected to \(serial)") || connect.out.contains("failed to authenticate to \(serial)"))
            let wait = try adb(["-s", serial, "wait-for-device"])
            #expect(wait.status == 0)
            let model = try adb(["-s", serial, "shell", "getprop", "ro.product.model"])
            #expect(model.status == 0)
            #expect(model.out.trimmingCharacters(in: .whitespacesAndNewlines) == c.model)
            // adb's own key was sent as AUTH type 3 and accepted after the prompt.
            let adbPublicKey = try String(contentsOf: home.appendingPathComponent(".android/adbkey.pub"), encoding: .utf8)
            #expect(simulator.isTrusted(adbPublicKey))
            if c.profile.features.contains("shell_v2") {
                // shell_v2 carries the exit code back to adb.
                let failing = try adb(["-s", serial, "shell", "ls /nonexistent"])
                #expect(failing.status == 1)
            }
            let devices = try adb(["devices"])
            #expect(devices.out.contains("\(serial)\tdevice"))
        }
    }

    /// What the real client gets for the IMEI call our reader makes parses to the slot's IMEI.
    @Test func realADBReadsTheIMEICall() async throws {
        try await Self.withRealADB(.samsungA54, auth: .trusting([], onNewKey: .allowAfter(.zero))) { adb, serial, _, _ in
            _ = try adb(["connect", serial])
            #expect(try adb(["-s", serial, "wait-for-device"]).status == 0)
            let call = try adb(["-s", serial, "shell", "service call iphonesubinfo 4 i32 1 s16 com.android.shell"])
            #expect(call.status == 0)
            #expect(AndroidParsers.parcelString(call.out) == "354712100123464", "\(call.out)")
        }
    }

    /// A phone in ADB Trade-In Mode lets the real client in without a prompt, answers `tradeinmode getstatus`, and
    /// closes every other service.
    @Test func realADBInTradeInMode() async throws {
        try await Self.withRealADB(.pixel9TradeIn, auth: .disabled) { adb, serial, _, _ in
            let connect = try adb(["connect", serial])
            #expect(connect.out.contains("connected to \(serial)"), "\(connect.out)")
            #expect(try adb(["-s", serial, "wait-for-device"]).status == 0)
            let status = try adb(["-s", serial, "shell", "tradeinmode", "getstatus"])
            #expect(status.status == 0)
            #expect(AndroidParsers.tradeInStatus(status.out)?.imeis == ["358240050123454", "358240050123462"], "\(status.out)")
            let refused = try adb(["-s", serial, "shell", "getprop"])
            #expect(refused.status != 0, "\(refused.out)")
            #expect(AndroidParsers.properties(refused.out).isEmpty)
        }
    }

    /// A loopback port free right now.
    static func freePort() throws -> UInt16 {
        let simulator = ADBDeviceSimulator(.init(profile: .samsungS10))
        defer { simulator.stop() }
        return try simulator.listen()
    }
}
