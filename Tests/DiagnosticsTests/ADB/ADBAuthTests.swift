// SPDX-License-Identifier: Apache-2.0
import DeviceSimulators
import Diagnostics
import Testing

/// The three ways a phone treats the bench's key.
@Suite struct ADBAuthTests {
    @Test func knownKeyIsAuthorizedWithoutPrompt() async throws {
        let prompted = Flag()
        let report = try await ADBTestSupport.withSimulator(.samsungS10, auth: .trusting([ADBTestSupport.key.publicKeyText])) { _, port in
            try await ADBTestSupport.inspect(port: port) { prompted.set() }
        }
        #expect(report.pairing == .authorized)
        #expect(report.model.identifier == "SM-G973F")
        #expect(!prompted.isSet)
    }

    @Test func newKeyContinuesWhenAllowIsTapped() async throws {
        let prompted = Flag()
        try await ADBTestSupport.withSimulator(
            .xiaomiRedmiNote10, auth: .trusting([ADBTestSupport.otherKey.publicKeyText], onNewKey: .allowAfter(.milliseconds(300)))
        ) { simulator, port in
            #expect(!simulator.isTrusted(ADBTestSupport.key.publicKeyText))
            let report = try await ADBTestSupport.inspect(port: port) { prompted.set() }
            #expect(prompted.isSet)
            #expect(report.pairing == .authorized)
            #expect(report.model.identifier == "M2101K7AG")
            #expect(simulator.isTrusted(ADBTestSupport.key.publicKeyText))
            // The next connection signs and is let in straight away.
            let again = Flag()
            let second = try await ADBTestSupport.inspect(port: port) { again.set() }
            #expect(second.pairing == .authorized)
            #expect(!again.isSet)
        }
    }

    @Test func neverAllowedIsReportedUnauthorized() async throws {
        let prompted = Flag()
        let options = AndroidReader.Options(commandTimeout: .seconds(5), handshake: .init(answer: .seconds(5), allow: .milliseconds(500)))
        let report = try await ADBTestSupport.withSimulator(.samsungS10, auth: .trusting([], onNewKey: .never)) { _, port in
            try await ADBTestSupport.inspect(port: port, options: options) { prompted.set() }
        }
        #expect(prompted.isSet)
        #expect(report.pairing == .unauthorized)
        #expect(report.model.identifier == nil)
        #expect(report.imei == nil)
        #expect(report.advice == AndroidReader.allowAdvice)
    }
}
