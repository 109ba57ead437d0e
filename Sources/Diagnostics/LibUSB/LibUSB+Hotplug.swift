// SPDX-License-Identifier: Apache-2.0
import CUSB
import Dispatch
import Logging
import Synchronization

/// The devices on the bus as a stream of `arrived` / `left` events, devices already plugged in first.
///
/// The libusb callback only copies the device pointer (taking a reference) and hands it off: descriptors and
/// strings are read on a background queue, one work item per device, so a slow or vanishing device never
/// delays another. A device that leaves while it is still being read is reported `arrived` (with what could
/// be read) and then `left`, in that order.
public struct USBWatcher: AsyncSequence, Sendable {
    public typealias Element = USBEvent
    let stream: AsyncStream<USBEvent>

    public func makeAsyncIterator() -> AsyncStream<USBEvent>.Iterator { stream.makeAsyncIterator() }
}

extension LibUSBContext {
    /// Starts watching: registers a hotplug callback with `LIBUSB_HOTPLUG_ENUMERATE` and starts the event
    /// thread. Stop by cancelling the consuming task (or `shutdown()`). The corresponding C function is
    /// `libusb_hotplug_register_callback`.
    public func watch() throws(DiagnosticsError) -> USBWatcher {
        do throws(LibUSBError) {
            return try registerWatcher()
        } catch {
            throw .hotplugUnavailable(error)
        }
    }

    private func registerWatcher() throws(LibUSBError) -> USBWatcher {
        guard Self.hasHotplug else { throw LibUSBError.notSupported }
        let (stream, continuation) = AsyncStream.makeStream(of: USBEvent.self, bufferingPolicy: .unbounded)
        let sink = HotplugSink(continuation: continuation, logger: logger)
        let userData = Unmanaged.passUnretained(sink).toOpaque()
        let events = Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
        var handle: libusb_hotplug_callback_handle = 0
        // The callback is a non-capturing closure: it finds its sink through user_data.
        try LibUSBError.check(
            libusb_hotplug_register_callback(
                raw, events, Int32(LIBUSB_HOTPLUG_ENUMERATE.rawValue),
                LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                { _, device, event, userData in
                    guard let device, let userData else { return 0 }
                    let sink = Unmanaged<HotplugSink>.fromOpaque(userData).takeUnretainedValue()
                    if event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED {
                        sink.arrived(device)
                    } else {
                        sink.left(device)
                    }
                    return 0
                }, userData, &handle))
        guard retainHotplug(box: sink, handle: handle) else {
            libusb_hotplug_deregister_callback(raw, handle)
            throw LibUSBError.notFound
        }
        let registered = handle
        continuation.onTermination = { [weak self] _ in
            self?.deregisterHotplug(handle: registered)
            sink.finish()
        }
        startEventThread()
        return USBWatcher(stream: stream)
    }

    /// The devices on the bus now, read the same way the watcher reads them (concurrently, one per device).
    /// The corresponding C function is `libusb_get_device_list`.
    public func devices() async throws(DiagnosticsError) -> [USBDeviceInfo] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let listed = Int32(truncatingIfNeeded: libusb_get_device_list(raw, &list))
        if let error = LibUSBError(listed) { throw DiagnosticsError(error) }
        let count = listed
        guard let list else { return [] }
        var devices: [OpaquePointer] = []
        for i in 0..<Int(count) {
            if let device = list[i] { devices.append(libusb_ref_device(device)) }
        }
        libusb_free_device_list(list, 1)
        let references = devices.map(DeviceReference.init)
        let logger = logger
        return await withTaskGroup(of: USBDeviceInfo.self) { group in
            for reference in references {
                group.addTask {
                    await BlockingWork.run("usb describe") { LibUSBDeviceDescriber.describe(reference.pointer, logger: logger) }
                }
            }
            var infos: [USBDeviceInfo] = []
            for await info in group { infos.append(info) }
            for reference in references { libusb_unref_device(reference.pointer) }
            return infos.sorted { $0.portOrder.lexicographicallyPrecedes($1.portOrder) }
        }
    }
}

/// A referenced `libusb_device *`, passed between threads; libusb's device functions are thread-safe.
struct DeviceReference: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The hotplug callback's state: which devices are being read, which were reported.
final class HotplugSink: Sendable {
    private enum Entry {
        case reading(leftPending: Bool)
        case reported(USBDeviceInfo)
    }

    private let continuation: AsyncStream<USBEvent>.Continuation
    private let logger: Logger
    private let entries = Mutex<[UInt: Entry]>([:])
    private let finished = Atomic<Bool>(false)

    init(continuation: AsyncStream<USBEvent>.Continuation, logger: Logger) {
        self.continuation = continuation
        self.logger = logger
    }

    private static func key(_ device: OpaquePointer) -> UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(device))) }

    /// Called in the libusb callback: no I/O, only bookkeeping and a hand-off.
    func arrived(_ device: OpaquePointer) {
        guard !finished.load(ordering: .relaxed) else { return }
        let key = Self.key(device)
        let isNew = entries.withLock { entries -> Bool in
            // ENUMERATE may report a device twice (once at registration, once from the event loop).
            guard entries[key] == nil else { return false }
            entries[key] = .reading(leftPending: false)
            return true
        }
        guard isNew else { return }
        let reference = DeviceReference(pointer: libusb_ref_device(device))
        let logger = logger
        BlockingWork.detach("usb describe") { [self] in
            let info = LibUSBDeviceDescriber.describe(reference.pointer, logger: logger)
            let release = entries.withLock { entries -> Bool in
                guard case .reading(let leftPending) = entries[key] else { return true }
                if info.kind != .hub { continuation.yield(.arrived(info)) }
                if leftPending {
                    if info.kind != .hub { continuation.yield(.left(info)) }
                    entries[key] = nil
                    return true
                }
                entries[key] = .reported(info)
                return false
            }
            if release { libusb_unref_device(reference.pointer) }
        }
    }

    /// Called in the libusb callback: no I/O.
    func left(_ device: OpaquePointer) {
        let key = Self.key(device)
        let release = entries.withLock { entries -> Bool in
            switch entries[key] {
            case .reading:
                entries[key] = .reading(leftPending: true)
                return false
            case .reported(let info):
                if info.kind != .hub { continuation.yield(.left(info)) }
                entries[key] = nil
                return true
            case nil:
                return false  // Left before we ever saw it arrive.
            }
        }
        if release { libusb_unref_device(device) }
    }

    /// The consumer went away: drop the references we still hold once their reads finish.
    func finish() {
        finished.store(true, ordering: .relaxed)
        let reported = entries.withLock { entries -> [UInt] in
            var reported: [UInt] = []
            for (key, entry) in entries {
                switch entry {
                case .reading: entries[key] = .reading(leftPending: true)
                case .reported: reported.append(key)
                }
            }
            for key in reported { entries[key] = nil }
            return reported
        }
        for key in reported {
            if let device = OpaquePointer(bitPattern: key) { libusb_unref_device(device) }
        }
    }
}
