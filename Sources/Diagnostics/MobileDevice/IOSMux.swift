// SPDX-License-Identifier: Apache-2.0
//
// Finding usbmuxd, and the iOS devices it lists. No usbmuxd running means no iOS devices, not an error: usbmuxd
// is started by udev when an Apple device arrives and exits when the last one leaves.

import CIMobileDevice
import Foundation
import Synchronization

/// One iPhone or iPad as usbmuxd lists it.
public struct IOSDeviceHandle: Sendable, Hashable {
    /// The UDID, dashed where the device's format has a dash (`00008030-001A2C3E0C38802E`).
    public var udid: String
    /// usbmuxd's handle for the device.
    public var muxID: UInt32
    /// The USB product id (0x12a8 iPhone, 0x12ab iPad...).
    public var productID: UInt32
    /// `true` for a USB connection, `false` for a network one.
    public var isUSB: Bool

    /// The UDID without its dash, which is also the device's USB serial number.
    public var usbSerial: String { udid.replacingOccurrences(of: "-", with: "") }

    /// Whether `text` names this device: its UDID with or without the dash, in any letter case.
    public func matches(udidOrSerial text: String) -> Bool {
        let wanted = text.replacingOccurrences(of: "-", with: "").lowercased()
        return !wanted.isEmpty && wanted == usbSerial.lowercased()
    }
}

public enum IOSMux {
    private static let configured = Mutex(false)

    /// Applies `USBMUXD_SOCKET_ADDRESS` the way libusbmuxd 2.0.2 needs it; call before the first libusbmuxd call.
    ///
    /// libusbmuxd reads the variable on every connection, so it can change while the process runs. Its event
    /// listener, though, waits for a restarted usbmuxd with inotify on `/var/run` when the address is a UNIX
    /// socket; a socket elsewhere would then never be reconnected to, so inotify is turned off for it.
    /// The corresponding C function is `libusbmuxd_set_use_inotify`.
    public static func configureFromEnvironment() {
        configured.withLock { done in
            guard !done else { return }
            done = true
            if let level = ProcessInfo.processInfo.environment["INTAKE_IOS_LIBRARY_DEBUG"].flatMap(Int32.init) {
                libusbmuxd_set_debug_level(level)
                idevice_set_debug_level(level)
            }
            if let address = ProcessInfo.processInfo.environment["USBMUXD_SOCKET_ADDRESS"], address.hasPrefix("UNIX:"),
                !address.hasPrefix("UNIX:/var/run/"), !address.hasPrefix("UNIX:/run/")
            {
                libusbmuxd_set_use_inotify(0)
            }
        }
    }

    /// A sentence when `USBMUXD_SOCKET_ADDRESS` is set to something libusbmuxd silently ignores (a bare path,
    /// a host without a port), so the agent can say why it sees no devices; `nil` when it is fine or unset.
    public static func socketAddressProblem(_ environment: [String: String]? = nil) -> String? {
        guard let address = (environment ?? ProcessInfo.processInfo.environment)["USBMUXD_SOCKET_ADDRESS"], !address.isEmpty else { return nil }
        if address.hasPrefix("UNIX:") { return address.count > 5 ? nil : "USBMUXD_SOCKET_ADDRESS names no socket after UNIX:." }
        if let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65_535).contains(port),
            colon != address.startIndex
        {
            return nil
        }
        return "USBMUXD_SOCKET_ADDRESS is \"\(address)\", which libusbmuxd ignores: write UNIX:/path/to/socket or 127.0.0.1:PORT."
    }

    /// The iOS devices usbmuxd lists now; empty when usbmuxd is not running. Blocking: call it off the
    /// cooperative pool (``devices()`` does). The corresponding C function is `usbmuxd_get_device_list`.
    static func deviceListBlocking() -> [IOSDeviceHandle] {
        configureFromEnvironment()
        var list: UnsafeMutablePointer<usbmuxd_device_info_t>?
        let count = usbmuxd_get_device_list(&list)
        defer { usbmuxd_device_list_free(&list) }
        guard count > 0, let list else { return [] }
        return (0..<Int(count)).map { IOSDeviceHandle(list[$0]) }
    }

    /// Whether usbmuxd still lists the device. The corresponding C function is `usbmuxd_get_device_by_udid`.
    static func isAttachedBlocking(udid: String) -> Bool {
        var info = usbmuxd_device_info_t()
        return usbmuxd_get_device_by_udid(udid, &info) > 0
    }

    /// The iOS devices usbmuxd lists now; empty when usbmuxd is not running.
    public static func devices(timeout: Duration = .seconds(10)) async -> [IOSDeviceHandle] {
        let outcome = await BlockingWork.run(name: "usbmuxd list", stepTimeout: timeout) { (clock: StepClock<[IOSDeviceHandle]>) in
            clock.finish(deviceListBlocking())
        }
        if case .finished(let devices) = outcome { return devices }
        return []
    }
}

extension IOSDeviceHandle {
    init(_ info: usbmuxd_device_info_t) {
        var info = info
        let udid = withUnsafeBytes(of: &info.udid) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        self.init(udid: udid, muxID: info.handle, productID: info.product_id, isUSB: info.conn_type == CONNECTION_TYPE_USB)
    }
}
