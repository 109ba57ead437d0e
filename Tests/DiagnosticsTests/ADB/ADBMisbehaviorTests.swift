// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Testing

/// A phone that breaks the protocol ends its own read with one clear sentence, and never crashes or stalls.
@Suite struct ADBMisbehaviorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let misbehavior: ADBDeviceSimulator.Misbehavior
        let expected: ADBError
        let code: DiagnosticsError.Code
        var testDescription: String { "\(misbehavior)" }
    }

    static let cases: [Case] = [
        Case(misbehavior: .malformedHeader, expected: .malformedHeader("unknown command 0x4b4b4b4b"), code: .protocolViolation),
        Case(misbehavior: .badMagic, expected: .badMagic, code: .protocolViolation),
        Case(misbehavior: .wrongChecksum, expected: .badChecksum, code: .protocolViolation),
        Case(misbehavior: .oversizePayload, expected: .oversizePayload(length: 1024 * 1024 + 1, maximum: 1024 * 1024), code: .protocolViolation),
        Case(misbehavior: .disconnectMidCommand, expected: .disconnected, code: .deviceGone),
    ]

    @Test(arguments: cases)
    func brokenPhoneGivesClearError(_ c: Case) async throws {
        try await ADBTestSupport.withSimulator(.samsungS10, misbehavior: c.misbehavior) { _, port in
            await #expect {
                try await ADBTestSupport.inspect(port: port)
            } throws: { error in
                // The engine's own code stays underneath the one sentence.
                guard let error = error as? DiagnosticsError else { return false }
                return error.code == c.code && error.underlying as? ADBError == c.expected && error.message.hasSuffix(".")
            }
        }
    }

    @Test func streamThatNeverClosesTimesOutAlone() async throws {
        let options = AndroidReader.Options(commandTimeout: .milliseconds(700))
        let report = try await ADBTestSupport.withSimulator(.samsungS10, misbehavior: .streamNeverCloses(matching: "dumpsys account")) { _, port in
            try await ADBTestSupport.inspect(port: port, options: options)
        }
        // The other streams' facts arrive; the stalled one's are null and the advice says why.
        #expect(report.pairing == .authorized)
        #expect(report.model.identifier == "SM-G973F")
        #expect(report.imei == ["357098101234568", "357098101234576"])
        #expect(report.battery?.cycleCount == 412)
        #expect(report.locks.accounts == nil)
        #expect(report.locks.frpArmed == nil)
        #expect(report.advice?.contains("did not finish") == true)
    }

    @Test func unreachableAddressFailsWithOneSentence() async throws {
        // A port nobody listens on: bind a simulator, learn its port, stop it.
        let simulator = ADBDeviceSimulator(.init(profile: .samsungS10))
        let port = try simulator.listen()
        simulator.stop()
        #expect {
            _ = try ADBTCPTransport(host: "127.0.0.1", port: port)
        } throws: { error in
            String(describing: error).hasPrefix("Could not reach the phone's ADB at 127.0.0.1:\(port)")
        }
    }

    @Test func oneBrokenPhoneDoesNotStallAnother() async throws {
        try await ADBTestSupport.withSimulator(.samsungS10, misbehavior: .disconnectMidCommand) { _, brokenPort in
            try await ADBTestSupport.withSimulator(.xiaomiRedmiNote10) { _, goodPort in
                async let broken: DeviceReport? = try? ADBTestSupport.inspect(port: brokenPort)
                async let good = ADBTestSupport.inspect(port: goodPort)
                let (b, g) = try await (broken, good)
                #expect(b == nil)
                #expect(g.model.identifier == "M2101K7AG")
            }
        }
    }
}
