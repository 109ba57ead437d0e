// SPDX-License-Identifier: Apache-2.0
import Diagnostics

// Whether a phone is still on the bench, for the readers whose link can tell: iPhones from usbmuxd's device
// list and events, Android phones on USB from the libusb bus. An Android phone over TCP cannot tell (no plug).

extension IOSReader {
    public func isConnected() async -> Bool? {
        IOSMux.configureFromEnvironment()
        return await IOSMux.devices().contains { $0.matches(udidOrSerial: udid) }
    }

    /// usbmuxd's `Detached` for this UDID. The subscription comes first and the device list after it, so a phone
    /// that left before the watch began is found gone rather than waited for.
    public func departure() async -> Void? {
        IOSMux.configureFromEnvironment()
        var events = IOSDeviceEvents().makeAsyncIterator()
        if await isConnected() == false { return () }
        while let event = await events.next() {
            if case .detached(let device) = event, device.matches(udidOrSerial: udid) { return () }
        }
        return Task.isCancelled ? nil : ()
    }
}

extension AndroidADBReader {
    public func isConnected() async -> Bool? {
        guard case .usb(let context, let device) = link else { return nil }
        guard let devices = try? await context.devices() else { return nil }
        return devices.contains { Self.same($0, device) }
    }

    /// libusb's `left` for this phone (its serial, or its bus address when it gives none).
    public func departure() async -> Void? {
        guard case .usb(let context, let device) = link, let watcher = try? context.watch() else { return nil }
        // A phone already gone when the watch begins is not reported (libusb enumerates only what is there): the
        // session's look just before issuing finds it gone.
        for await event in watcher {
            if case .left(let gone) = event, Self.same(gone, device) { return () }
        }
        return Task.isCancelled ? nil : ()
    }

    static func same(_ a: USBDeviceInfo, _ b: USBDeviceInfo) -> Bool {
        if let serial = a.serial, let other = b.serial { return serial == other }
        return a.bus == b.bus && a.address == b.address
    }
}
