// SPDX-License-Identifier: Apache-2.0
import CUSB
import Foundation
public import Logging
import Synchronization

/// One libusb context and the one thread that pumps its events.
///
/// The event thread runs libusb's hotplugtest.c loop: `libusb_handle_events_timeout_completed` with a 60 s
/// timeout until `shutdown()` sets the quit flag and calls `libusb_interrupt_event_handler`. Hotplug callbacks
/// run on that thread; blocking reads (string descriptors, transfers) never do.
///
/// Typical use: `let usb = try LibUSBContext(logger: logger)`; `for await event in try usb.watch() { ... }` for
/// arrivals and departures; `try usb.open(event.device.deviceAddress)` (or `open(portPath:)`) for a
/// `USBDeviceHandle` that claims an interface and moves bulk data; `usb.shutdown()` when done (the event thread
/// keeps the context alive until then).
public final class LibUSBContext: Sendable {
    /// The libusb context; libusb's functions are thread-safe on it.
    nonisolated(unsafe) let raw: OpaquePointer
    let logger: Logger
    private let quit = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let state = Mutex<State>(State())

    private struct State {
        var eventThreadStarted = false
        var shutDown = false
        /// Hotplug boxes are kept until the context is torn down, so a callback in flight never sees a freed box.
        var hotplugBoxes: [HotplugSink] = []
        var hotplugHandles: [Int32] = []
    }

    /// Opens a libusb context; when libusb cannot start, the error (code `.unavailable`) says what to check. The
    /// corresponding C function is `libusb_init`.
    public init(logger: Logger = Logger(label: "intake-agent.usb")) throws(DiagnosticsError) {
        var context: OpaquePointer?
        let result = libusb_init(&context)
        if let error = LibUSBError(result) { throw .usbUnavailable(error) }
        guard let context else { throw .usbUnavailable(.other) }
        self.raw = context
        self.logger = logger
        // libusb logs to stderr by itself; keep it quiet and report through our logger instead.
        _ = cusb_set_log_level(context, Int32(LIBUSB_LOG_LEVEL_NONE.rawValue))
    }

    deinit {
        shutdown()
        libusb_exit(raw)
    }

    /// libusb's version, such as `1.0.26`. The corresponding C function is `libusb_get_version`.
    public static var libusbVersion: String {
        guard let version = libusb_get_version()?.pointee else { return "unknown" }
        return "\(version.major).\(version.minor).\(version.micro)"
    }

    /// Whether this libusb can deliver hotplug events. The corresponding C function is `libusb_has_capability`.
    public static var hasHotplug: Bool {
        libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0
    }

    // MARK: - Event thread

    /// Starts the event thread once; later calls do nothing.
    func startEventThread() {
        let start = state.withLock { state -> Bool in
            guard !state.eventThreadStarted, !state.shutDown else { return false }
            state.eventThreadStarted = true
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in runEventLoop() }
        thread.name = "libusb-events"
        thread.start()
    }

    private func runEventLoop() {
        // Hotplug callbacks arrive as soon as the kernel tells, whatever the timeout; `shutdown()` interrupts the
        // wait at once. A long timeout keeps an idle bench asleep (50 ms woke it twenty times a second).
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        while !quit.load(ordering: .acquiring) {
            let result = libusb_handle_events_timeout_completed(raw, &timeout, nil)
            if let error = LibUSBError(result), error != .interrupted {
                logger.warning("libusb event handling failed", metadata: ["usb.error": "\(error.name)"])
                // Never spin on a persistent error.
                usleep(50_000)
            }
        }
        finished.signal()
    }

    /// Deregisters the hotplug callbacks, stops the event thread and waits for it. Safe to call more than once.
    /// The corresponding C function is `libusb_interrupt_event_handler`.
    public func shutdown() {
        let (wasRunning, handles) = state.withLock { state -> (Bool, [Int32]) in
            guard !state.shutDown else { return (false, []) }
            state.shutDown = true
            let handles = state.hotplugHandles
            state.hotplugHandles = []
            return (state.eventThreadStarted, handles)
        }
        for handle in handles.reversed() { libusb_hotplug_deregister_callback(raw, handle) }
        guard wasRunning else { return }
        quit.store(true, ordering: .releasing)
        libusb_interrupt_event_handler(raw)
        finished.wait()
    }

    /// `shutdown()` from async code: waiting for the event thread happens on a thread of its own.
    public func shutdown() async {
        await BlockingWork.run("libusb shutdown") { self.shutdown() }
    }

    // MARK: - Hotplug bookkeeping

    func retainHotplug(box: HotplugSink, handle: Int32) -> Bool {
        state.withLock { state in
            guard !state.shutDown else { return false }
            state.hotplugBoxes.append(box)
            state.hotplugHandles.append(handle)
            return true
        }
    }

    func deregisterHotplug(handle: Int32) {
        let registered = state.withLock { state -> Bool in
            guard let index = state.hotplugHandles.firstIndex(of: handle) else { return false }
            state.hotplugHandles.remove(at: index)
            return true
        }
        if registered { libusb_hotplug_deregister_callback(raw, handle) }
    }
}
