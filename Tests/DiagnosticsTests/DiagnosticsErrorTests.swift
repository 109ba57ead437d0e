// SPDX-License-Identifier: Apache-2.0
//
// One `DiagnosticsError` at the module boundary, through the real libraries: libimobiledevice against the
// simulated usbmuxd, our ADB engine against the simulated adbd, libusb under umockdev. Each failure carries its
// stable code, the one sentence written in `DiagnosticsError`, and the library's own code underneath.

import DeviceSimulators
import Diagnostics
import Foundation
import Logging
import Testing

@Suite("DiagnosticsError through the real libraries", .serialized)
struct DiagnosticsErrorTests {
    static let fast = IOSReadOptions(
        stepTimeout: .seconds(5), pairingTimeout: .seconds(120), pairingRetryInterval: .milliseconds(50), trustWait: .zero)
    let logger = Logger(label: "test.diagnostics-error")

    // MARK: - iPhone under the simulated usbmuxd

    @Test("an iPhone unplugged before the read is not found, with libimobiledevice's code underneath")
    func unpluggedIPhoneIsNotFound() async throws {
        let simulator = SharedUSBMuxSimulator.shared
        let device = SharedUSBMuxSimulator.unique(.cleanIPhone11)
        simulator.attach(device, alreadyPaired: true)
        simulator.detach(udid: device.udid)
        let result = await IOSDeviceSession.read(udid: device.udid, options: Self.fast, logger: logger)
        let failure = try #require(result.failure)
        #expect(failure.code == .notFound)
        #expect(failure.message == DiagnosticsError.notFound(udid: device.udid).message)
        #expect(failure.message.hasPrefix("No iPhone or iPad with UDID \(device.udid) is connected"))
        #expect(failure.underlying as? IDeviceError == .noDevice)
        #expect(result.report.advice == failure.message)
    }

    @Test("an iPhone unplugged in the middle of its storage read is gone, with lockdown's code underneath")
    func iPhoneUnpluggedMidReadIsGone() async throws {
        let simulator = SharedUSBMuxSimulator.shared
        let device = SharedUSBMuxSimulator.unique(.cleanIPhone11)
        simulator.attach(device, misbehaviour: .unplugMidRead(request: "com.apple.disk_usage"), alreadyPaired: true)
        defer { simulator.detach(udid: device.udid) }
        let result = await IOSDeviceSession.read(udid: device.udid, options: Self.fast, logger: logger)
        let failure = try #require(result.failure)
        #expect(failure.code == .deviceGone)
        #expect(failure.message == "The device was unplugged while reading its storage (com.apple.disk_usage): plug it back in and read it again.")
        #expect(failure.underlying is LockdownError, "\(String(reflecting: failure))")
        #expect(DiagnosticsError.Code.deviceGone ~= failure)
    }

    // MARK: - adbd that closes mid-stream

    @Test("an adbd that closes in the middle of a command gives the same sentence as an unplugged iPhone")
    func adbdClosingMidStreamIsGone() async throws {
        try await ADBTestSupport.withSimulator(.samsungS10, misbehavior: .disconnectMidCommand) { _, port in
            do {
                _ = try await ADBTestSupport.inspect(port: port)
                Issue.record("the read of a phone that closed mid-stream succeeded")
            } catch let error as DiagnosticsError {
                #expect(error.code == .deviceGone)
                #expect(error.message == "The device was unplugged in the middle of the read: plug it back in and read it again.")
                #expect(error.message == DiagnosticsError.deviceGone().message)
                #expect(error.underlying as? ADBError == .disconnected)
            }
        }
    }

    @Test("nothing listening at an ADB address is unreachable, naming the address")
    func nothingListeningIsUnreachable() throws {
        let simulator = ADBDeviceSimulator(.init(profile: .samsungS10))
        let port = try simulator.listen()
        simulator.stop()
        do {
            _ = try ADBTCPTransport(host: "127.0.0.1", port: port)
            Issue.record("a connection to a closed port succeeded")
        } catch {
            #expect(error.code == .unreachable)
            #expect(error.message.hasPrefix("Could not reach the phone's ADB at 127.0.0.1:\(port) ("))
            guard case .connectFailed(let endpoint, _) = error.underlying as? ADBError else {
                Issue.record("underlying: \(String(describing: error.underlying))")
                return
            }
            #expect(endpoint == "127.0.0.1:\(port)")
        }
    }

    // MARK: - libusb under umockdev, the device missing

    static let missingDeviceTest = "anAndroidPhoneMissingFromTheBusIsGone"

    @Test func anAndroidPhoneMissingFromTheBusIsGone() async throws {
        if TestbedChild.current != nil {
            try await Self.missingDeviceChild()
            return
        }
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try bed.plug(.samsung, id: "phone", at: "1-2", devnum: 6)
        let child = try bed.startTestInside(Self.missingDeviceTest, values: ["PORT": "1-2"])
        var said: [String] = []
        while let line = child.lines.next(timeout: 60) {
            guard line.hasPrefix("TESTBED-CHILD: ") else { continue }
            let message = String(line.dropFirst("TESTBED-CHILD: ".count))
            said.append(message)
            if message == "listed" { try bed.unplug("phone") }
        }
        #expect(child.waitForExit(timeout: 30) == 0, "the child's checks failed: \(said)")
        #expect(
            said == [
                "listed", "gone from the bus",
                "deviceGone|The device was unplugged in the middle of the read: plug it back in and read it again.|LIBUSB_ERROR_NO_DEVICE",
            ])
    }

    /// Inside the testbed: the phone is listed, unplugged by the parent, then opened from its stale listing.
    static func missingDeviceChild() async throws {
        let portPath = try #require(TestbedChild.current?.values["PORT"])
        let context = try LibUSBContext()
        defer { context.shutdown() }
        let phone = try #require(try await context.devices().first { $0.portPath == portPath })
        TestbedChild.say("listed")
        while try await context.devices().contains(where: { $0.portPath == portPath }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        TestbedChild.say("gone from the bus")
        do {
            _ = try ADBUSBTransport(context: context, device: phone)
            TestbedChild.say("opened a phone that is not there")
        } catch {
            let usb: String
            switch error.underlying as? ADBError {
            case .usb(let code): usb = code.name
            default: usb = String(describing: error.underlying)
            }
            TestbedChild.say("\(error.code)|\(error.message)|\(usb)")
        }
    }
}
