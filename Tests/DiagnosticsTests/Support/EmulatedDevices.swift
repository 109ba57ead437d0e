// SPDX-License-Identifier: Apache-2.0
import Foundation

/// One emulated USB device: its descriptors (as the kernel's sysfs `descriptors` file holds them: the device
/// descriptor, then every configuration), its strings and how it answers string requests.
struct EmulatedDevice: Sendable {
    /// How the device answers GET_DESCRIPTOR(STRING) (see usb_testbed.py).
    enum StringMode: String, Sendable { case answer, fail, silent, hold }

    var name: String
    var vendor: UInt16
    var product: UInt16
    var deviceClass: UInt8 = 0
    var descriptors: [UInt8]
    var activeConfiguration: UInt8 = 1
    var manufacturer: String?
    var productName: String?
    var serial: String?
    /// Whether the kernel's sysfs `manufacturer`/`product`/`serial` attributes exist (they do for every device
    /// the kernel could read; without them the agent asks the device itself).
    var stringsInSysfs = false
    var stringMode: StringMode = .answer
    /// The sysfs `speed` attribute in Mbit/s.
    var speed = "480"

    /// The umockdev-side command that plugs this device in at `portPath` (such as `1-2.3`) as `devnum`.
    func addCommand(id: String, portPath: String, devnum: Int, bus: Int = 1) -> [String: any Sendable] {
        var attributes: [String: String] = [
            "idVendor": USBDescriptors.hex(USBDescriptors.le16(vendor).reversed()),
            "idProduct": USBDescriptors.hex(USBDescriptors.le16(product).reversed()),
            "bDeviceClass": USBDescriptors.hex([deviceClass]),
            "bConfigurationValue": String(activeConfiguration),
            "speed": speed,
        ]
        if stringsInSysfs {
            attributes["manufacturer"] = manufacturer
            attributes["product"] = productName
            attributes["serial"] = serial
        }
        var strings: [String: String] = [:]
        for (index, text) in [(1, manufacturer), (2, productName), (3, serial)] {
            if let text { strings[String(index)] = text }
        }
        return [
            "op": "add", "id": id, "syspath": Self.syspath(portPath: portPath, bus: bus), "bus": bus, "devnum": devnum,
            "attributes": attributes, "binary": ["descriptors": USBDescriptors.hex(descriptors)],
            "strings": strings, "string_mode": stringMode.rawValue,
        ]
    }

    /// The sysfs device path of a port path: `1-2.3` lives under `usb1/1-2/1-2.3`.
    static func syspath(portPath: String, bus: Int = 1) -> String {
        var path = "/devices/pci0000:00/0000:00:14.0/usb\(bus)"
        guard portPath != "usb\(bus)" else { return path }
        let ports = portPath.split(separator: "-", maxSplits: 1)[1].split(separator: ".")
        for depth in 1...ports.count {
            path += "/\(bus)-" + ports.prefix(depth).joined(separator: ".")
        }
        return path
    }
}

// MARK: - The devices of testing.md

extension EmulatedDevice {
    typealias D = USBDescriptors

    /// Apple iPhone 05ac:12a8 with four configurations; usbmux (ff/fe/02, bulk 0x04 OUT / 0x85 IN) in 3 and 4.
    static let iPhone = EmulatedDevice(
        name: "iPhone", vendor: 0x05ac, product: 0x12a8,
        descriptors: D.device(vendor: 0x05ac, product: 0x12a8, release: 0x1506, configurations: 4)
            + D.configuration(value: 1, [ptp])
            + D.configuration(value: 2, [
                D.interface(0, (0x01, 0x01, 0x00)),  // audio control
                D.interface(1, (0x01, 0x02, 0x00)),  // audio streaming
                D.interface(2, (0x03, 0x00, 0x00), endpoints: [D.endpoint(0x83, .interrupt, maxPacket: 64, interval: 4)]),
            ])
            + D.configuration(value: 3, [ptp, usbmux])
            + D.configuration(value: 4, [
                ptp, usbmux,
                D.interface(2, (0xff, 0xfd, 0x01), endpoints: [D.endpoint(0x86, .bulk), D.endpoint(0x07, .bulk)]),
            ]),
        activeConfiguration: 4, manufacturer: "Apple Inc.", productName: "iPhone", serial: "00008030001A2B3C0E8A402E",
        stringsInSysfs: true)

    /// Samsung 04e8:6860: MTP 06/01/01, a CDC ACM modem 02/02/01 with its IAD and functional descriptors, its
    /// data interface 0a/00/00, and ADB ff/42/01 (bulk 0x85 IN, 0x03 OUT).
    static let samsung = EmulatedDevice(
        name: "Samsung", vendor: 0x04e8, product: 0x6860,
        descriptors: D.device(vendor: 0x04e8, product: 0x6860)
            + D.configuration(value: 1, samsungInterfaces(adb: true)),
        manufacturer: "SAMSUNG", productName: "SAMSUNG_Android", serial: "R58M123ABCD")

    /// The same Samsung with USB debugging off: MTP and the modem, no ADB.
    static let samsungNoDebug = EmulatedDevice(
        name: "Samsung without debugging", vendor: 0x04e8, product: 0x6860,
        descriptors: D.device(vendor: 0x04e8, product: 0x6860)
            + D.configuration(value: 1, samsungInterfaces(adb: false)),
        manufacturer: "SAMSUNG", productName: "SAMSUNG_Android", serial: "R58M123ABCE")

    /// A Xiaomi phone with USB debugging off: MTP only.
    static let xiaomiMTP = EmulatedDevice(
        name: "Xiaomi MTP", vendor: 0x2717, product: 0xff40,
        descriptors: D.device(vendor: 0x2717, product: 0xff40)
            + D.configuration(value: 1, [
                D.interface(0, (0x06, 0x01, 0x01), endpoints: [
                    D.endpoint(0x81, .bulk), D.endpoint(0x01, .bulk), D.endpoint(0x82, .interrupt, maxPacket: 28, interval: 6),
                ])
            ]),
        manufacturer: "Xiaomi", productName: "Redmi Note 10", serial: "a1b2c3d4", stringsInSysfs: true)

    /// A Samsung in a modem-only USB mode: CDC ACM and its data interface, no MTP, no ADB.
    static let samsungModem = EmulatedDevice(
        name: "Samsung modem", vendor: 0x04e8, product: 0x6864,
        descriptors: D.device(vendor: 0x04e8, product: 0x6864)
            + D.configuration(value: 1, Array(samsungInterfaces(adb: false).dropFirst())),
        manufacturer: "SAMSUNG", productName: "SAMSUNG_Android", serial: "R58M123ABCF", stringsInSysfs: true)

    /// A 58 mm receipt printer (Winbond-based POS-58 clone): printer class 07/01/02, bulk OUT 0x01, IN 0x82.
    static let receiptPrinter = EmulatedDevice(
        name: "receipt printer", vendor: 0x0416, product: 0x5011,
        descriptors: D.device(vendor: 0x0416, product: 0x5011, release: 0x0100)
            + D.configuration(value: 1, selfPowered: true, maxPowerMilliamps: 100, [
                D.interface(0, (0x07, 0x01, 0x02), endpoints: [D.endpoint(0x01, .bulk, maxPacket: 64), D.endpoint(0x82, .bulk, maxPacket: 64)])
            ]),
        manufacturer: "Winbond Electronics Corp.", productName: "POS58 Printer USB", serial: "Printer", stringsInSysfs: true,
        speed: "12")

    /// An 8-port USB 2.0 hub (class 09): ignored by the watcher, parent of the bench's phones.
    static let hub = EmulatedDevice(
        name: "hub", vendor: 0x05e3, product: 0x0610, deviceClass: 0x09,
        descriptors: D.device(deviceClass: 0x09, protocolCode: 0x01, vendor: 0x05e3, product: 0x0610, serial: 0)
            + D.configuration(value: 1, selfPowered: true, maxPowerMilliamps: 100, [
                D.interface(0, (0x09, 0x00, 0x00), endpoints: [D.endpoint(0x81, .interrupt, maxPacket: 1, interval: 12)])
            ]),
        manufacturer: "GenesysLogic", productName: "USB2.0 Hub", stringsInSysfs: true)

    /// A USB keyboard (HID boot interface 03/01/01): neither phone nor printer.
    static let keyboard = EmulatedDevice(
        name: "keyboard", vendor: 0x046d, product: 0xc31c,
        descriptors: D.device(vendor: 0x046d, product: 0xc31c, release: 0x6400, serial: 0)
            + D.configuration(value: 1, maxPowerMilliamps: 90, [
                D.interface(0, (0x03, 0x01, 0x01), endpoints: [D.endpoint(0x81, .interrupt, maxPacket: 8, interval: 10)])
            ]),
        manufacturer: "Logitech", productName: "USB Keyboard", stringsInSysfs: true, speed: "1.5")

    /// The host controller's root hub, `usb1`: every device hangs below it.
    static let rootHub = EmulatedDevice(
        name: "root hub", vendor: 0x1d6b, product: 0x0002, deviceClass: 0x09,
        descriptors: D.device(deviceClass: 0x09, protocolCode: 0x01, vendor: 0x1d6b, product: 0x0002, release: 0x0606)
            + D.configuration(value: 1, selfPowered: true, maxPowerMilliamps: 0, [
                D.interface(0, (0x09, 0x00, 0x00), endpoints: [D.endpoint(0x81, .interrupt, maxPacket: 4, interval: 12)])
            ]),
        manufacturer: "Linux 6.1.0 xhci-hcd", productName: "xHCI Host Controller", serial: "0000:00:14.0",
        stringsInSysfs: true)

    /// A device whose configuration header is sound but whose interface descriptor is cut short (bLength 5):
    /// libusb enumerates it, and parsing the configuration fails.
    static let malformed = EmulatedDevice(
        name: "malformed", vendor: 0x1234, product: 0x5678,
        descriptors: D.device(vendor: 0x1234, product: 0x5678)
            + [
                9,  // bLength
                0x02,  // bDescriptorType: CONFIGURATION
                23, 0,  // wTotalLength: 9 + 5 + 9
                1,  // bNumInterfaces
                1,  // bConfigurationValue
                0,  // iConfiguration
                0x80,  // bmAttributes: bus powered
                250,  // bMaxPower: 500 mA
                5,  // bLength: too short for an interface descriptor (9)
                0x04,  // bDescriptorType: INTERFACE
                0,  // bInterfaceNumber
                0,  // bAlternateSetting
                0,  // bNumEndpoints, and the descriptor ends here
                9,  // bLength: what follows would be a sound ADB interface
                0x04,  // bDescriptorType: INTERFACE
                0,  // bInterfaceNumber
                0,  // bAlternateSetting
                0,  // bNumEndpoints
                0xff,  // bInterfaceClass: vendor
                0x42,  // bInterfaceSubClass: ADB
                0x01,  // bInterfaceProtocol
                0,  // iInterface
            ],
        manufacturer: "Broken", productName: "Broken Phone", serial: "BAD0001", stringsInSysfs: true)

    /// An Android phone with debugging on, for the hub tests: eight of them are plugged at once.
    static func pixel(serial: String) -> EmulatedDevice {
        EmulatedDevice(
            name: "Pixel \(serial)", vendor: 0x18d1, product: 0x4ee7,
            descriptors: D.device(vendor: 0x18d1, product: 0x4ee7)
                + D.configuration(value: 1, [
                    D.interface(0, (0xff, 0x42, 0x01), endpoints: [D.endpoint(0x81, .bulk), D.endpoint(0x01, .bulk)])
                ]),
            manufacturer: "Google", productName: "Pixel 7", serial: serial)
    }

    // MARK: - Shared interfaces

    /// PTP/MTP still image interface: bulk IN, bulk OUT, interrupt IN.
    private static let ptp = D.interface(0, (0x06, 0x01, 0x01), endpoints: [
        D.endpoint(0x81, .bulk), D.endpoint(0x02, .bulk), D.endpoint(0x83, .interrupt, maxPacket: 64, interval: 10),
    ])

    /// Apple's usbmux interface: bulk OUT 0x04, bulk IN 0x85.
    private static let usbmux = D.interface(1, (0xff, 0xfe, 0x02), endpoints: [D.endpoint(0x04, .bulk), D.endpoint(0x85, .bulk)])

    private static func samsungInterfaces(adb: Bool) -> [[UInt8]] {
        var body: [[UInt8]] = [
            D.interface(0, (0x06, 0x01, 0x01), endpoints: [
                D.endpoint(0x81, .bulk), D.endpoint(0x01, .bulk), D.endpoint(0x82, .interrupt, maxPacket: 28, interval: 6),
            ]),
            D.association(first: 1, count: 2, (0x02, 0x02, 0x01)),
            D.interface(1, (0x02, 0x02, 0x01), endpoints: [D.endpoint(0x84, .interrupt, maxPacket: 16, interval: 9)],
                        extra: D.cdcFunctional(dataInterface: 2, controlInterface: 1)),
            D.interface(2, (0x0a, 0x00, 0x00), endpoints: [D.endpoint(0x83, .bulk), D.endpoint(0x02, .bulk)]),
        ]
        if adb {
            body.append(D.interface(3, (0xff, 0x42, 0x01), endpoints: [D.endpoint(0x85, .bulk), D.endpoint(0x03, .bulk)]))
        }
        return body
    }
}
