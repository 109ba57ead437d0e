// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Intake
import Logging

/// Picks the platform reader for a device the USB watcher reports, and follows usbmuxd for iPhones and iPads.
struct BenchReaders: Sendable {
    let logger: Logger
    let usb: LibUSBContext
    let adbKey: ADBKey

    /// The reader for a USB device, or `nil` when there is nothing to read over this link (iPhones come through
    /// usbmuxd; printers and others are not phones). An Android phone with debugging off gets a session too: its
    /// report says `no_debugging` and the session tells the consultant how to turn debugging on.
    func reader(for device: USBDeviceInfo) -> (any DeviceReading)? {
        switch device.kind {
        case .androidADB: AndroidADBReader(link: .usb(usb, device), key: adbKey)
        case .androidNoDebug: AndroidADBReader(link: .descriptorsOnly(device), key: adbKey)
        case .samsungModem where SamsungModemPort.modemInterface(of: device) != nil: AndroidADBReader(link: .descriptorsOnly(device), key: adbKey)
        default: nil
        }
    }

    /// One sentence for the consultant when a phone is on the bench but cannot be read.
    func advice(for device: USBDeviceInfo) -> String? {
        switch device.kind {
        case .androidNoDebug:
            "An Android phone without USB debugging is on port \(device.portPath): on the phone open Settings › About phone, tap Build number seven times, then turn on Developer options › USB debugging."
        case .samsungModem:
            "A Samsung phone in modem-only mode is on port \(device.portPath): choose \"File transfer\" in its USB notification and turn on USB debugging."
        default:
            nil
        }
    }

    /// iPhones and iPads come from usbmuxd's own events, not libusb (usbmuxd owns them).
    func followIOS(manager: SessionManager) async {
        IOSMux.configureFromEnvironment()
        for await event in IOSDeviceEvents() {
            switch event {
            case .attached(let device):
                await manager.deviceArrived(
                    key: "ios:\(device.udid)",
                    reader: IOSReader(udid: device.udid, options: IOSReadOptions(trustWait: nil), logger: logger))
            case .detached(let device):
                await manager.deviceLeft(key: "ios:\(device.udid)")
            case .paired:
                break  // the session's own read follows pairing
            }
        }
    }
}
