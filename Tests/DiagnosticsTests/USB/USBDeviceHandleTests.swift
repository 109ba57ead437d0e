// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Foundation
import Testing

/// `USBDeviceHandle` through the real libusb under umockdev: claim the Samsung's ADB interface, bulk OUT and
/// IN through the emulated endpoints (bridged to a loopback peer), a read timeout, then an unplug mid-read.
/// The libusb side runs in this test bundle re-run inside the testbed (`TestbedChild`).
@Suite(.serialized)
struct USBDeviceHandleTests {
    static let name = "bulkTransfersTimeoutsAndUnplugThroughTheADBInterface"

    @Test func bulkTransfersTimeoutsAndUnplugThroughTheADBInterface() async throws {
        if let child = TestbedChild.current {
            try await Self.childSide(portPath: try #require(child.values["PORT"]))
            return
        }
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try bed.plug(.samsung, id: "phone", at: "1-2", devnum: 6)
        // The peer answers each chunk with its bytes reversed: proof the IN data came through the device.
        let peer = try LoopbackPeer { Array($0.reversed()) }
        try bed.send(["op": "bridge", "id": "phone", "out": 0x03, "in": 0x85, "tcp": "127.0.0.1:\(peer.port)"])

        let child = try bed.startTestInside(Self.name, values: ["PORT": "1-2"])
        var said: [String] = []
        while let line = child.lines.next(timeout: 60) {
            guard line.hasPrefix("TESTBED-CHILD: ") else { continue }
            let message = String(line.dropFirst("TESTBED-CHILD: ".count))
            said.append(message)
            if message == "reading until unplugged" {
                try await Task.sleep(for: .milliseconds(100))
                try bed.unplug("phone")
            }
        }
        #expect(child.waitForExit(timeout: 30) == 0, "the child's checks failed: \(said)")
        #expect(said == ["opened 1/6", "echoed", "timed out", "reading until unplugged", "unplugged: noDevice"])
        #expect(peer.bytesReceived == Array("CNXN\u{0}\u{0}\u{0}\u{1}host::".utf8))
    }

    /// Inside the testbed: the real libusb against the emulated Samsung.
    static func childSide(portPath: String) async throws {
        let context = try LibUSBContext()
        let devices = try await context.devices()
        let phone = try #require(devices.first { $0.portPath == portPath })
        let adb = try #require(phone.adbInterface)
        let (bulkIn, bulkOut) = (try #require(adb.bulkIn), try #require(adb.bulkOut))
        #expect((adb.number, bulkIn, bulkOut) == (3, 0x85, 0x03))

        let handle = try context.open(portPath: portPath)
        TestbedChild.say("opened \(handle.address)")
        try handle.claimInterface(adb.number)
        let message = Array("CNXN\u{0}\u{0}\u{0}\u{1}host::".utf8)
        #expect(try handle.bulkWrite(endpoint: bulkOut, message, timeout: .seconds(2)) == message.count)
        var echoed: [UInt8] = []
        while echoed.count < message.count {
            echoed += try handle.bulkRead(endpoint: bulkIn, maxLength: 512, timeout: .seconds(5))
        }
        #expect(echoed == message.reversed())
        TestbedChild.say("echoed")

        #expect(throws: LibUSBError.timeout) { try handle.bulkRead(endpoint: bulkIn, maxLength: 512, timeout: .milliseconds(200)) }
        TestbedChild.say("timed out")

        TestbedChild.say("reading until unplugged")
        do {
            _ = try handle.bulkRead(endpoint: bulkIn, maxLength: 512, timeout: .seconds(20))
            TestbedChild.say("read returned data after the unplug")
        } catch .noDevice {
            TestbedChild.say("unplugged: noDevice")
        } catch {
            TestbedChild.say("unplugged: \(error.name)")
        }
        #expect(throws: LibUSBError.noDevice) { try handle.bulkWrite(endpoint: bulkOut, [1], timeout: .seconds(1)) }
        try handle.releaseInterface(adb.number)
        handle.close()
        handle.close()
        #expect(throws: LibUSBError.noDevice) { try handle.claimInterface(adb.number) }
    }

    // MARK: - ADB framing

    /// An ADB message as adbd sends it: 24-byte little-endian header (command, arg0, arg1, length, byte-sum
    /// checksum, command XOR ffffffff), then the payload.
    static func adbMessage(_ command: String, _ payload: [UInt8]) -> [UInt8] {
        let word = Array(command.utf8).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        let fields: [UInt32] = [word, 1, 2, UInt32(payload.count), payload.reduce(0) { $0 &+ UInt32($1) }, ~word]
        return fields.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } } + payload
    }

    static let adbName = "adbFramingSendsHeaderAndPayloadAsSeparateTransfers"

    /// With `framing: adb` the bridge hands the host each message's header and payload as two IN transfers,
    /// as adbd does over USB, even when the host asks for more.
    @Test func adbFramingSendsHeaderAndPayloadAsSeparateTransfers() async throws {
        if let child = TestbedChild.current {
            let context = try LibUSBContext()
            defer { context.shutdown() }
            let handle = try context.open(portPath: try #require(child.values["PORT"]))
            try handle.claimInterface(3)
            try handle.bulkWrite(endpoint: 0x03, Self.adbMessage("CNXN", Array("host::\u{0}".utf8)), timeout: .seconds(2))
            let first = try handle.bulkRead(endpoint: 0x85, maxLength: 4096, timeout: .seconds(5))
            let second = try handle.bulkRead(endpoint: 0x85, maxLength: 4096, timeout: .seconds(5))
            let expected = Self.adbMessage("CNXN", Array("device::ro.product.model=SM-G973F;\u{0}".utf8))
            #expect(first == Array(expected.prefix(24)))
            #expect(second == Array(expected.dropFirst(24)))
            TestbedChild.say("framed")
            handle.close()
            return
        }
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try bed.plug(.samsung, id: "phone", at: "1-3", devnum: 7)
        let peer = try LoopbackPeer { _ in Self.adbMessage("CNXN", Array("device::ro.product.model=SM-G973F;\u{0}".utf8)) }
        try bed.send([
            "op": "bridge", "id": "phone", "out": 0x03, "in": 0x85, "tcp": "127.0.0.1:\(peer.port)", "framing": "adb",
        ])
        let child = try bed.startTestInside(Self.adbName, values: ["PORT": "1-3"])
        let output = child.readAll(timeout: 60)
        #expect(child.waitForExit(timeout: 30) == 0, "\(output)")
        #expect(output.contains("TESTBED-CHILD: framed"))
        #expect(peer.bytesReceived == Self.adbMessage("CNXN", Array("host::\u{0}".utf8)))
    }
}
