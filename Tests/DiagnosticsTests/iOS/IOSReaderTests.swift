// SPDX-License-Identifier: Apache-2.0
//
// The iOS reader through the real libimobiledevice 1.3.0 and libusbmuxd 2.0.2, against our usbmuxd/lockdownd
// simulator: every fact, each pairing state and its recovery, events, and broken or vanishing devices.

import DeviceSimulators
@testable import Diagnostics
import Foundation
import Logging
import Testing

@Suite("iOS reader through libimobiledevice")
struct IOSReaderTests {
    let simulator = SharedUSBMuxSimulator.shared
    let logger = Logger(label: "test.ios")
    /// Short retries; a generous pairing deadline, since libimobiledevice generates two RSA keys for each Pair and
    /// the test machine may be busy. Most tests plug in devices this host paired before (`alreadyPaired`); the
    /// pairing tests pair for real.
    let fast = IOSReadOptions(
        stepTimeout: .seconds(5), pairingTimeout: .seconds(120), pairingRetryInterval: .milliseconds(50), trustWait: .zero)

    // MARK: - Every fact

    struct FactsCase: CustomTestStringConvertible, Sendable {
        let profile: SimulatedIOSDevice
        let storageGB: Int
        let healthPercent: Int
        let fullChargeCapacity: Int
        let batterySource: String
        let mdm: Bool
        var testDescription: String { profile.productType }
    }

    @Test("a paired read gives every fact the device holds", arguments: [
        FactsCase(profile: .cleanIPhone11, storageGB: 128, healthPercent: 85, fullChargeCapacity: 2650, batterySource: "AppleSmartBattery", mdm: false),
        FactsCase(profile: .findMyWithPasscode, storageGB: 64, healthPercent: 89, fullChargeCapacity: 2533, batterySource: "AppleSmartBattery", mdm: false),
        FactsCase(profile: .unactivatedIPhone13, storageGB: 256, healthPercent: 100, fullChargeCapacity: 3301, batterySource: "AppleSmartBattery", mdm: false),
        FactsCase(profile: .iPadAir4, storageGB: 64, healthPercent: 85, fullChargeCapacity: 6541, batterySource: "AppleSmartBattery", mdm: true),
        FactsCase(profile: .oldIPhone7, storageGB: 32, healthPercent: 76, fullChargeCapacity: 1503, batterySource: "AppleARMPMUCharger", mdm: false),
    ])
    func everyFact(_ c: FactsCase) async throws {
        let device = SharedUSBMuxSimulator.unique(c.profile)
        simulator.attach(device, alreadyPaired: true)
        defer { simulator.detach(udid: device.udid) }

        let result = await IOSDeviceSession.read(udid: device.udid, options: fast, logger: logger)
        #expect(result.failure == nil)
        #expect(simulator.statistics(udid: device.udid).requests["Pair"] == nil)
        #expect(result.isComplete)
        let report = result.report
        #expect(report.platform == .ios)
        #expect(report.pairing == .paired)
        #expect(report.serial == device.serialNumber)
        #expect(report.model.identifier == device.productType)
        #expect(report.model.brand == "Apple")
        #expect(report.osVersion == device.productVersion)
        #expect(report.imei == device.imei)
        #expect(report.storageGB == c.storageGB)
        #expect(report.locks.activationState == device.activationState)
        #expect(report.locks.findMy == device.findMyAssociated)
        #expect(report.locks.passcodeSet == device.passwordProtected)
        #expect(report.locks.accounts == nil)
        #expect(report.locks.frpArmed == nil)
        #expect(report.locks.mdm == c.mdm)
        #expect(report.battery?.healthPercent == c.healthPercent)
        #expect(report.battery?.cycleCount == device.battery.cycleCount)
        #expect(report.battery?.designCapacityMAh == device.battery.designCapacity)
        #expect(report.battery?.fullChargeCapacityMAh == c.fullChargeCapacity)
        #expect(report.details?["battery_source"] == c.batterySource)
        #expect(report.details?["udid"] == device.udid)
        #expect(report.details?["device_class"] == device.deviceClass)
        #expect(report.details?["device_color"] == device.deviceColor)
        #expect(report.details?["enclosure_color"] == device.enclosureColor)
        #expect(report.details?["sim_status"] == device.simStatus)
        #expect(report.details?["find_my"] == "Find My reported \(device.findMyAssociated == true ? "on" : "off"): confirm on the phone")
        #expect(report.advice == nil)
    }

    @Test("everything is read through one lockdown connection, one session and one diagnostics relay")
    func oneSession() async throws {
        let device = SharedUSBMuxSimulator.unique(.cleanIPhone11)
        simulator.attach(device)
        defer { simulator.detach(udid: device.udid) }
        let result = await IOSDeviceSession.read(udid: device.udid, options: fast, logger: logger)
        #expect(result.isComplete)
        let stats = simulator.statistics(udid: device.udid)
        #expect(stats.lockdownConnections == 1)
        #expect(stats.sessionsStarted == 1)
        #expect(stats.servicesStarted == ["com.apple.mobile.diagnostics_relay": 1, "com.apple.mobile.MCInstall": 1])
        #expect(stats.requests["Pair"] == 1)

        // A second read reuses the pair record: no Pair, again one session.
        let again = await IOSDeviceSession.read(udid: device.udid, options: fast, logger: logger)
        #expect(again.isComplete)
        let after = simulator.statistics(udid: device.udid)
        #expect(after.requests["Pair"] == 1)
        #expect(after.sessionsStarted == 2)
        #expect(after.lockdownConnections == 2)
    }

    @Test("the public identity comes first, while the read goes on, so an ineligible model can be refused at once")
    func identityFirst() async throws {
        let device = SharedUSBMuxSimulator.unique(.oldIPhone7)
        simulator.attach(device, latency: .milliseconds(30), alreadyPaired: true)
        defer { simulator.detach(udid: device.udid) }
        var order: [String] = []
        for await event in IOSDeviceSession(udid: device.udid, options: fast, logger: logger) {
            switch event {
            case .identity(let facts):
                order.append("identity \(facts.productType ?? "?")")
                // Announced before the session: nothing read through it is in the facts yet.
                #expect(facts.serialNumber == nil)
                #expect(facts.pairing == nil)
            case .pairing(let state): order.append(state.rawValue)
            case .finished(let result): order.append(result.isComplete ? "complete" : "incomplete")
            }
        }
        #expect(order == ["identity iPhone9,3", "paired", "complete"])
    }

    @Test("a device that forgot this host is paired again")
    func forgottenHost() async throws {
        let device = SharedUSBMuxSimulator.unique(.cleanIPhone11)
        simulator.attach(device)
        defer { simulator.detach(udid: device.udid) }
        #expect(await IOSDeviceSession.read(udid: device.udid, options: fast, logger: logger).isComplete)
        simulator.forgetTrustedHosts(udid: device.udid)
        let result = await IOSDeviceSession.read(udid: device.udid, options: fast, logger: logger)
        #expect(result.isComplete)
        #expect(simulator.statistics(udid: device.udid).requests["Pair"] == 2)
    }

    // MARK: - Pairing states

    struct PairingCase: Sendable, CustomTestStringConvertible {
        let profile: SimulatedIOSDevice
        let state: IOSPairingState
        var testDescription: String { state.rawValue }
    }

    @Test("each Trust answer is reported with the public identity, then recovered from while plugged in", arguments: [
        PairingCase(profile: .neverTrusts, state: .awaitingTrust),
        PairingCase(profile: .passcodeLocked, state: .passcodeLocked),
        PairingCase(profile: .deniesTrust, state: .denied),
    ])
    func pairingStates(_ c: PairingCase) async throws {
        let device = SharedUSBMuxSimulator.unique(c.profile)
        simulator.attach(device)
        defer { simulator.detach(udid: device.udid) }

        var options = fast
        options.trustWait = nil
        var seen: [IOSPairingState] = []
        var identity: IOSDeviceFacts?
        var final: IOSReadResult?
        for await event in IOSDeviceSession(udid: device.udid, options: options, logger: logger) {
            switch event {
            case .identity(let facts): identity = facts
            case .pairing(let state):
                seen.append(state)
                // The consultant acts: unlocks the phone and taps Trust.
                if state == c.state { simulator.setTrust(.accepts(afterAttempts: 0), udid: device.udid) }
            case .finished(let result): final = result
            }
        }
        #expect(seen == [c.state, .paired])
        #expect(identity?.productType == "iPhone12,1")
        #expect(identity?.serialNumber == nil)
        #expect(final?.isComplete == true)
        #expect(final?.report.serial == device.serialNumber)
    }

    @Test("without waiting, the report carries the pairing state, the public identity and what to do")
    func unpairedReport() async throws {
        let device = SharedUSBMuxSimulator.unique(.neverTrusts)
        simulator.attach(device)
        defer { simulator.detach(udid: device.udid) }
        let result = await IOSDeviceSession.read(udid: device.udid, options: fast, logger: logger)
        #expect(result.failure == nil)
        let report = result.report
        #expect(report.pairing == .awaitingTrust)
        #expect(report.model.identifier == "iPhone12,1")
        #expect(report.osVersion == "17.5.1")
        #expect(report.serial == nil)
        #expect(report.imei == nil)
        #expect(report.battery == nil)
        #expect(report.advice == IOSPairingState.awaitingTrust.advice)
        #expect(!simulator.hasPairRecord(udid: device.udid))
    }

    @Test("a phone unplugged while waiting for Trust ends the session with a clear state")
    func unplugWhileWaiting() async throws {
        let device = SharedUSBMuxSimulator.unique(.neverTrusts)
        simulator.attach(device)
        var options = fast
        options.trustWait = nil
        var final: IOSReadResult?
        for await event in IOSDeviceSession(udid: device.udid, options: options, logger: logger) {
            if case .pairing(.awaitingTrust) = event { simulator.detach(udid: device.udid) }
            if case .finished(let result) = event { final = result }
        }
        #expect(final?.failure?.code == .deviceGone)
        #expect(final?.facts.pairing == .awaitingTrust)
    }

    // MARK: - Events

    @Test("attach and detach arrive as events from usbmuxd's subscription")
    func events() async throws {
        let device = SharedUSBMuxSimulator.unique(.iPadAir4)
        var iterator = IOSDeviceEvents().makeAsyncIterator()
        simulator.attach(device)
        var attached: IOSDeviceHandle?
        while let event = await iterator.next() {
            if case .attached(let handle) = event, handle.udid == device.udid {
                attached = handle
                break
            }
        }
        #expect(attached?.productID == 0x12ab)
        #expect(attached?.isUSB == true)
        #expect(attached?.usbSerial == device.udid.replacingOccurrences(of: "-", with: ""))
        #expect(await IOSMux.devices().contains { $0.udid == device.udid })
        simulator.detach(udid: device.udid)
        var detached = false
        while let event = await iterator.next() {
            if case .detached(let handle) = event, handle.udid == device.udid {
                detached = true
                break
            }
        }
        #expect(detached)
        #expect(await !IOSMux.devices().contains { $0.udid == device.udid })
    }

    // MARK: - Broken and vanishing devices

    @Test("a device unplugged in the middle of the battery read ends with the facts read so far")
    func unplugMidRead() async throws {
        let device = SharedUSBMuxSimulator.unique(.cleanIPhone11)
        simulator.attach(device, misbehaviour: .unplugMidRead(request: "IORegistry"), alreadyPaired: true)
        defer { simulator.detach(udid: device.udid) }
        let result = await IOSDeviceSession.read(udid: device.udid, options: fast, logger: logger)
        #expect(result.failure?.code == .deviceGone)
        #expect(result.failure?.message.contains("unplugged while reading its battery") == true)
        #expect(result.facts.serialNumber == device.serialNumber)
        #expect(result.facts.totalDiskCapacity == device.totalDiskCapacity)
        #expect(result.facts.battery == nil)
        #expect(result.report.advice?.contains("plug it back in") == true)
    }

    struct BrokenCase: Sendable, CustomTestStringConvertible {
        let misbehaviour: SimulatedMisbehaviour
        let failure: DiagnosticsError.Code?
        let problem: String?
        var testDescription: String { "\(misbehaviour)" }
    }

    @Test("malformed, truncated and oversized replies give a clear error and no crash", arguments: [
        BrokenCase(misbehaviour: .malformedPlist(request: "StartSession"), failure: .protocolViolation, problem: nil),
        BrokenCase(misbehaviour: .truncatedPlist(request: "StartSession"), failure: .protocolViolation, problem: nil),
        BrokenCase(misbehaviour: .malformedPlist(request: "com.apple.disk_usage"), failure: nil, problem: "malformed reply while reading its storage"),
        BrokenCase(misbehaviour: .truncatedPlist(request: "com.apple.fmip"), failure: nil, problem: "malformed reply while reading Find My"),
        BrokenCase(misbehaviour: .malformedPlist(request: "IORegistry"), failure: nil, problem: "malformed reply while reading its battery"),
        BrokenCase(misbehaviour: .oversizedFrame(request: "com.apple.disk_usage"), failure: .stoppedAnswering, problem: nil),
    ])
    func brokenReplies(_ c: BrokenCase) async throws {
        let device = SharedUSBMuxSimulator.unique(.cleanIPhone11)
        simulator.attach(device, misbehaviour: c.misbehaviour, alreadyPaired: true)
        defer { simulator.detach(udid: device.udid) }
        let result = await IOSDeviceSession.read(udid: device.udid, options: fast, logger: logger)
        #expect(result.failure?.code == c.failure, "\(String(describing: result.failure))")
        if let problem = c.problem {
            #expect(result.facts.problems.contains { $0.contains(problem) }, "\(result.facts.problems)")
            #expect(result.facts.serialNumber == device.serialNumber)
        }
        #expect(result.report.advice != nil)
        #expect(result.facts.productType == "iPhone12,1")
    }

    @Test("a battery service that never answers ends its step at the deadline with everything else read")
    func serviceNeverAnswers() async throws {
        let device = SharedUSBMuxSimulator.unique(.cleanIPhone11)
        simulator.attach(device, misbehaviour: .serviceNeverAnswers(service: "com.apple.mobile.diagnostics_relay"), alreadyPaired: true)
        defer { simulator.detach(udid: device.udid) }
        var options = fast
        options.stepTimeout = .milliseconds(700)
        let result = await IOSDeviceSession.read(udid: device.udid, options: options, logger: logger)
        #expect(result.failure?.code == .stoppedAnswering)
        #expect(result.failure?.message.contains("while reading its battery (com.apple.mobile.diagnostics_relay)") == true)
        #expect(result.facts.serialNumber == device.serialNumber)
        #expect(result.facts.cloudConfiguration != nil)
        #expect(result.facts.battery == nil)
    }

    @Test("two devices read at once, one of them slow, both complete")
    func twoAtOnce() async throws {
        let first = SharedUSBMuxSimulator.unique(.cleanIPhone11)
        let second = SharedUSBMuxSimulator.unique(.oldIPhone7)
        simulator.attach(first, latency: .milliseconds(20), alreadyPaired: true)
        simulator.attach(second, alreadyPaired: true)
        defer {
            simulator.detach(udid: first.udid)
            simulator.detach(udid: second.udid)
        }
        async let a = IOSDeviceSession.read(udid: first.udid, options: fast, logger: logger)
        async let b = IOSDeviceSession.read(udid: second.udid, options: fast, logger: logger)
        let (ra, rb) = await (a, b)
        #expect(ra.isComplete)
        #expect(rb.isComplete)
        #expect(ra.report.serial == first.serialNumber)
        #expect(rb.report.serial == second.serialNumber)
    }

    @Test("a UDID usbmuxd does not list is reported as not connected")
    func notFound() async throws {
        let result = await IOSDeviceSession.read(udid: "00008030-00000000DEADBEEF", options: fast, logger: logger)
        #expect(result.failure?.code == .notFound)
        #expect(result.failure?.message == "No iPhone or iPad with UDID 00008030-00000000DEADBEEF is connected: check the cable, or list the devices with `intake-agent devices`.")
    }
}
