// SPDX-License-Identifier: Apache-2.0
//
// The iOS part of `devices`: every iPhone and iPad usbmuxd lists, including those libusb does not see on this
// bus (usbmuxd can be remote or simulated: USBMUXD_SOCKET_ADDRESS), and usbmuxd's attach/detach events.

import AgentCLI
import Diagnostics
import Foundation

/// One iPhone or iPad as usbmuxd lists it; field names are a contract like `DeviceLine`'s.
struct IOSDeviceLine: Encodable {
    var event: String?
    var platform = "ios"
    var udid: String
    /// The UDID without its dash: the device's USB serial number.
    var usbSerial: String
    var productID: String
    /// `usb` or `network`.
    var connection: String
    /// Whether libusb sees a device with this serial on this machine's bus; `nil` when libusb was not asked.
    var onUSBBus: Bool?

    init(_ handle: IOSDeviceHandle, event: String?, usbSerials: Set<String>?) {
        self.event = event
        udid = handle.udid
        usbSerial = handle.usbSerial
        productID = String(format: "%04x", handle.productID)
        connection = handle.isUSB ? "usb" : "network"
        onUSBBus = usbSerials.map { $0.contains(handle.usbSerial.lowercased()) }
    }

    enum CodingKeys: String, CodingKey {
        case event, platform, udid, connection
        case usbSerial = "usb_serial", productID = "product_id", onUSBBus = "on_usb_bus"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(event, forKey: .event)
        try container.encode(platform, forKey: .platform)
        try container.encode(udid, forKey: .udid)
        try container.encode(usbSerial, forKey: .usbSerial)
        try container.encode(productID, forKey: .productID)
        try container.encode(connection, forKey: .connection)
        try container.encode(onUSBBus, forKey: .onUSBBus)
    }

    var tableRow: String {
        let place = connection == "network" ? "network" : onUSBBus == false ? "usbmuxd (not on this USB bus)" : "usbmuxd"
        return (event ?? "present").padding(toLength: 9, withPad: " ", startingAt: 0) + "iOS  " + udid + "  05ac:" + productID + "  " + place
    }
}

extension Devices {
    /// The iOS devices usbmuxd lists now, marked with whether libusb sees each on this bus. No usbmuxd: none.
    static func iosDeviceLines(usbSerials: [String?]) async -> [IOSDeviceLine] {
        let serials = Set(usbSerials.compactMap { $0?.lowercased() })
        return await IOSMux.devices().map { IOSDeviceLine($0, event: nil, usbSerials: serials) }
    }

    static func printIOS(_ lines: [IOSDeviceLine]) {
        guard !lines.isEmpty else { return }
        Output.line("iPhones and iPads usbmuxd lists:")
        for line in lines { Output.line(line.tableRow) }
    }

    /// Prints usbmuxd's attach/detach events until cancelled (`--watch`), as `arrived` / `left` lines.
    func watchIOS() async throws {
        for await event in IOSDeviceEvents() {
            let line: IOSDeviceLine
            switch event {
            case .attached(let handle): line = IOSDeviceLine(handle, event: "arrived", usbSerials: nil)
            case .detached(let handle): line = IOSDeviceLine(handle, event: "left", usbSerials: nil)
            case .paired: continue
            }
            if json {
                try Output.json(line, pretty: false)
            } else {
                Output.line(line.tableRow)
            }
        }
    }
}
