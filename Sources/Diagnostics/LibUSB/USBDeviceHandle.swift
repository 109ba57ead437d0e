// SPDX-License-Identifier: Apache-2.0
import CUSB
import Synchronization

/// An open USB device: claim an interface, move bytes over its bulk endpoints, release and close.
///
/// Every call blocks until done or timed out: call it from a thread of your own (or through a background
/// queue), never directly on Swift's cooperative pool. An unplugged device makes every call throw
/// `LibUSBError.noDevice`; nothing crashes and the handle can still be closed.
public final class USBDeviceHandle: Sendable {
    /// The `libusb_device_handle *`; libusb's synchronous calls are thread-safe on it.
    nonisolated(unsafe) private let raw: OpaquePointer
    private let claimed = Mutex<Set<UInt8>>([])
    private let closed = Atomic<Bool>(false)
    /// Keeps the context alive as long as the handle.
    private let context: LibUSBContext
    public let address: USBDeviceAddress

    init(raw: OpaquePointer, context: LibUSBContext, address: USBDeviceAddress) {
        self.raw = raw
        self.context = context
        self.address = address
    }

    deinit { close() }

    /// Claims an interface, detaching a kernel driver first where one is bound (and the platform allows).
    /// The corresponding C function is `libusb_claim_interface`.
    public func claimInterface(_ number: UInt8) throws(LibUSBError) {
        try ensureOpen()
        _ = libusb_set_auto_detach_kernel_driver(raw, 1)
        try LibUSBError.check(libusb_claim_interface(raw, Int32(number)))
        claimed.withLock { _ = $0.insert(number) }
    }

    /// Releases an interface claimed earlier. The corresponding C function is `libusb_release_interface`.
    public func releaseInterface(_ number: UInt8) throws(LibUSBError) {
        try ensureOpen()
        let wasClaimed = claimed.withLock { $0.remove(number) != nil }
        guard wasClaimed else { return }
        let result = libusb_release_interface(raw, Int32(number))
        // An unplugged device has nothing left to release.
        if let error = LibUSBError(result), error != .noDevice { throw error }
    }

    /// Writes `data` to a bulk OUT endpoint; returns how many bytes went out. The corresponding C function is
    /// `libusb_bulk_transfer`.
    @discardableResult
    public func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeout: Duration) throws(LibUSBError) -> Int {
        try ensureOpen()
        var bytes = data
        var transferred: Int32 = 0
        let result = bytes.withUnsafeMutableBufferPointer { buffer in
            libusb_bulk_transfer(
                raw, endpoint & 0x7f, buffer.baseAddress, Int32(buffer.count), &transferred, Self.milliseconds(timeout))
        }
        if let error = LibUSBError(result) {
            // A timeout after a partial write still reports what went out, like libusb does.
            if error == .timeout && transferred > 0 { return Int(transferred) }
            throw error
        }
        return Int(transferred)
    }

    /// Reads up to `maxLength` bytes from a bulk IN endpoint. The corresponding C function is
    /// `libusb_bulk_transfer`.
    public func bulkRead(endpoint: UInt8, maxLength: Int, timeout: Duration) throws(LibUSBError) -> [UInt8] {
        try ensureOpen()
        var buffer = [UInt8](repeating: 0, count: maxLength)
        var transferred: Int32 = 0
        let result = buffer.withUnsafeMutableBufferPointer { pointer in
            libusb_bulk_transfer(
                raw, endpoint | 0x80, pointer.baseAddress, Int32(pointer.count), &transferred,
                Self.milliseconds(timeout))
        }
        if let error = LibUSBError(result), !(error == .timeout && transferred > 0) { throw error }
        return Array(buffer.prefix(Int(transferred)))
    }

    /// A control transfer from the device (bit 7 of `requestType` is forced on). The corresponding C function
    /// is `libusb_control_transfer`.
    public func controlRead(
        requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: Int, timeout: Duration
    ) throws(LibUSBError) -> [UInt8] {
        try ensureOpen()
        var buffer = [UInt8](repeating: 0, count: length)
        let result = buffer.withUnsafeMutableBufferPointer { pointer in
            libusb_control_transfer(
                raw, requestType | 0x80, request, value, index, pointer.baseAddress, UInt16(pointer.count),
                Self.milliseconds(timeout))
        }
        let count = try LibUSBError.check(result)
        return Array(buffer.prefix(Int(count)))
    }

    /// Clears a halted endpoint. The corresponding C function is `libusb_clear_halt`.
    public func clearHalt(endpoint: UInt8) throws(LibUSBError) {
        try ensureOpen()
        try LibUSBError.check(libusb_clear_halt(raw, endpoint))
    }

    /// Releases every claimed interface and closes the device. Safe to call more than once and after an
    /// unplug; call it once the transfers in flight have returned (each ends within its timeout, and at once
    /// when the device is unplugged), never from another thread to abort one. The corresponding C function is
    /// `libusb_close`.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let interfaces = claimed.withLock { claimed in
            defer { claimed.removeAll() }
            return claimed
        }
        for number in interfaces { _ = libusb_release_interface(raw, Int32(number)) }
        libusb_close(raw)
    }

    private func ensureOpen() throws(LibUSBError) {
        if closed.load(ordering: .acquiring) { throw LibUSBError.noDevice }
    }

    static func milliseconds(_ duration: Duration) -> UInt32 {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        // libusb treats 0 as "no timeout"; never let a rounding error mean forever.
        return UInt32(clamping: max(1, ms))
    }
}

extension LibUSBContext {
    /// Opens the device at a bus and address (as the watcher reported it). The corresponding C function is
    /// `libusb_open`.
    public func open(_ address: USBDeviceAddress) throws(LibUSBError) -> USBDeviceHandle {
        try open { libusb_get_bus_number($0) == address.bus && libusb_get_device_address($0) == address.address }
    }

    /// Opens the device at a port path such as `1-2.3`. The corresponding C function is `libusb_open`.
    public func open(portPath: String) throws(LibUSBError) -> USBDeviceHandle {
        try open { LibUSBDeviceDescriber.identity(of: $0).portPath == portPath }
    }

    private func open(where matches: (OpaquePointer) -> Bool) throws(LibUSBError) -> USBDeviceHandle {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = try LibUSBError.check(Int32(truncatingIfNeeded: libusb_get_device_list(raw, &list)))
        guard let list else { throw LibUSBError.noDevice }
        defer { libusb_free_device_list(list, 1) }
        for i in 0..<Int(count) {
            guard let device = list[i], matches(device) else { continue }
            var handle: OpaquePointer?
            try LibUSBError.check(libusb_open(device, &handle))
            guard let handle else { throw LibUSBError.noDevice }
            let address = USBDeviceAddress(bus: libusb_get_bus_number(device), address: libusb_get_device_address(device))
            return USBDeviceHandle(raw: handle, context: self, address: address)
        }
        throw LibUSBError.noDevice
    }
}
