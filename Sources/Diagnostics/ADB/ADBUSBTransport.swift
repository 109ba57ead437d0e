// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization

/// ADB over a phone's USB bulk endpoints: the ff/42/01 interface, claimed through libusb.
///
/// As AOSP's host transports do (`client/usb_libusb.cpp`), the header and the payload travel as separate bulk
/// transfers, the header read with exactly 24 bytes, and a payload whose length is a multiple of the endpoint's
/// packet size is followed by a zero-length packet so the phone sees where it ends.
public final class ADBUSBTransport: ADBTransport {
    public let endpoint: String
    private let handle: USBDeviceHandle
    private let interfaceNumber: UInt8
    private let inEndpoint: UInt8
    private let outEndpoint: UInt8
    private let packetSize: Int
    private let closed = Atomic<Bool>(false)
    /// Transfers in flight; `close()` waits for them before it releases the interface.
    private let inFlight = Mutex(0)
    /// How long one blocking read waits before it looks whether the transport was closed.
    private let pollInterval: Duration = .milliseconds(500)
    private let writeTimeout: Duration

    /// Opens `device` and claims its ADB interface.
    public init(context: LibUSBContext, device: USBDeviceInfo, writeTimeout: Duration = .seconds(5)) throws(DiagnosticsError) {
        guard let interface = device.adbInterface, let bulkIn = interface.bulkIn, let bulkOut = interface.bulkOut else {
            throw DiagnosticsError(ADBError.transport("the phone at USB \(device.portPath) shows no ADB interface with bulk endpoints"))
        }
        endpoint = "usb \(device.portPath)"
        interfaceNumber = interface.number
        inEndpoint = bulkIn
        outEndpoint = bulkOut
        packetSize = Int(interface.endpoints.first { $0.address == bulkOut }?.maxPacketSize ?? 512)
        self.writeTimeout = writeTimeout
        do throws(LibUSBError) {
            handle = try context.open(device.deviceAddress)
            try handle.claimInterface(interface.number)
        } catch {
            // libusb's own code stays underneath (a phone gone since it was listed is LIBUSB_ERROR_NO_DEVICE).
            throw DiagnosticsError(ADBError.usb(error))
        }
    }

    deinit { handle.close() }

    public func write(header: [UInt8], payload: [UInt8]) throws(ADBError) {
        try send(header)
        guard !payload.isEmpty else { return }
        try send(payload)
        if payload.count % max(packetSize, 1) == 0 { try send([]) }
    }

    private func send(_ bytes: [UInt8]) throws(ADBError) {
        try begin()
        defer { end() }
        var offset = 0
        repeat {
            let chunk = offset == 0 && bytes.count == 0 ? [] : Array(bytes[offset...])
            do {
                let n = try handle.bulkWrite(endpoint: outEndpoint, chunk, timeout: writeTimeout)
                if n == 0 && !chunk.isEmpty { throw ADBError.timedOut(what: "sending to the phone", seconds: 5) }
                offset += n
            } catch let error as ADBError {
                throw error
            } catch {
                throw Self.map(error)
            }
        } while offset < bytes.count
    }

    public func readHeader() throws(ADBError) -> [UInt8] {
        try read(count: ADBPacket.headerSize)
    }

    public func readPayload(count: Int) throws(ADBError) -> [UInt8] {
        try read(count: count)
    }

    private func read(count: Int) throws(ADBError) -> [UInt8] {
        try begin()
        defer { end() }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            if closed.load(ordering: .acquiring) { throw .disconnected }
            do {
                out += try handle.bulkRead(endpoint: inEndpoint, maxLength: count - out.count, timeout: pollInterval)
            } catch .timeout {
                continue
            } catch {
                throw Self.map(error)
            }
        }
        return out
    }

    /// Stops reads and writes, waits (at most a second) for the transfer in flight to notice, then releases the
    /// interface and closes the device, so the next connection to the phone finds it free. Never call it from
    /// inside a transfer.
    public func close() {
        // Every caller waits, not just the first: whoever closes may rely on the interface being free after.
        closed.store(true, ordering: .releasing)
        let deadline = ContinuousClock.now + .seconds(1)
        while inFlight.withLock({ $0 }) > 0 && ContinuousClock.now < deadline { usleep(5_000) }
        // A transfer still in flight after that (a write stuck in its own timeout) keeps the handle until deinit.
        if inFlight.withLock({ $0 }) == 0 { handle.close() }
    }

    private func begin() throws(ADBError) {
        let ok = inFlight.withLock { count -> Bool in
            guard !closed.load(ordering: .acquiring) else { return false }
            count += 1
            return true
        }
        if !ok { throw .disconnected }
    }

    private func end() { inFlight.withLock { $0 -= 1 } }

    /// libusb's error as the engine's: an unplug (or the I/O error a vanishing device gives) is `.disconnected`,
    /// the rest keeps libusb's code.
    static func map(_ error: any Error) -> ADBError {
        if let usb = error as? LibUSBError {
            switch usb {
            case .noDevice, .io: return .disconnected
            default: return .usb(usb)
            }
        }
        return .transport(String(describing: error))
    }
}
