// SPDX-License-Identifier: Apache-2.0
// Emulated devices' descriptors, byte by byte, one comment per field (USB 2.0 spec §9.6; CDC 1.2 §5.2.3).
// Multi-byte fields are little-endian, as on the wire.

/// Builds descriptors for the emulated devices. Lengths and counts are computed, every other byte is given.
enum USBDescriptors {
    /// The device descriptor (18 bytes).
    static func device(
        usb: UInt16 = 0x0200, deviceClass: UInt8 = 0, subclass: UInt8 = 0, protocolCode: UInt8 = 0,
        vendor: UInt16, product: UInt16, release: UInt16 = 0x0400,
        manufacturer: UInt8 = 1, productString: UInt8 = 2, serial: UInt8 = 3, configurations: UInt8 = 1
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += [18]  // bLength
        bytes += [0x01]  // bDescriptorType: DEVICE
        bytes += le16(usb)  // bcdUSB
        bytes += [deviceClass]  // bDeviceClass (0: per interface, 09: hub)
        bytes += [subclass]  // bDeviceSubClass
        bytes += [protocolCode]  // bDeviceProtocol
        bytes += [64]  // bMaxPacketSize0
        bytes += le16(vendor)  // idVendor
        bytes += le16(product)  // idProduct
        bytes += le16(release)  // bcdDevice
        bytes += [manufacturer]  // iManufacturer
        bytes += [productString]  // iProduct
        bytes += [serial]  // iSerialNumber
        bytes += [configurations]  // bNumConfigurations
        return bytes
    }

    /// A configuration descriptor (9 bytes) followed by its interfaces, endpoints and class descriptors.
    static func configuration(value: UInt8, selfPowered: Bool = false, maxPowerMilliamps: Int = 500, _ body: [[UInt8]]) -> [UInt8] {
        let rest = body.flatMap { $0 }
        let interfaces = body.filter { $0.count >= 4 && $0[1] == 0x04 && $0[3] == 0 }.count
        var bytes: [UInt8] = []
        bytes += [9]  // bLength
        bytes += [0x02]  // bDescriptorType: CONFIGURATION
        bytes += le16(UInt16(9 + rest.count))  // wTotalLength
        bytes += [UInt8(interfaces)]  // bNumInterfaces
        bytes += [value]  // bConfigurationValue
        bytes += [0]  // iConfiguration
        bytes += [selfPowered ? 0xc0 : 0x80]  // bmAttributes: bus or self powered
        bytes += [UInt8(maxPowerMilliamps / 2)]  // bMaxPower, 2 mA units
        return bytes + rest
    }

    /// An interface descriptor (9 bytes); the endpoint count comes from `endpoints`.
    static func interface(
        _ number: UInt8, alternate: UInt8 = 0, _ triple: (UInt8, UInt8, UInt8), endpoints: [[UInt8]] = [],
        extra: [[UInt8]] = []
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += [9]  // bLength
        bytes += [0x04]  // bDescriptorType: INTERFACE
        bytes += [number]  // bInterfaceNumber
        bytes += [alternate]  // bAlternateSetting
        bytes += [UInt8(endpoints.count)]  // bNumEndpoints
        bytes += [triple.0]  // bInterfaceClass
        bytes += [triple.1]  // bInterfaceSubClass
        bytes += [triple.2]  // bInterfaceProtocol
        bytes += [0]  // iInterface
        return bytes + extra.flatMap { $0 } + endpoints.flatMap { $0 }
    }

    enum Transfer: UInt8 { case bulk = 2, interrupt = 3 }

    /// An endpoint descriptor (7 bytes).
    static func endpoint(_ address: UInt8, _ transfer: Transfer, maxPacket: UInt16 = 512, interval: UInt8 = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += [7]  // bLength
        bytes += [0x05]  // bDescriptorType: ENDPOINT
        bytes += [address]  // bEndpointAddress (bit 7: IN)
        bytes += [transfer.rawValue]  // bmAttributes: transfer type
        bytes += le16(maxPacket)  // wMaxPacketSize
        bytes += [interval]  // bInterval
        return bytes
    }

    /// An interface association descriptor (8 bytes), grouping the CDC modem's two interfaces.
    static func association(first: UInt8, count: UInt8, _ triple: (UInt8, UInt8, UInt8)) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += [8]  // bLength
        bytes += [0x0b]  // bDescriptorType: INTERFACE_ASSOCIATION
        bytes += [first]  // bFirstInterface
        bytes += [count]  // bInterfaceCount
        bytes += [triple.0]  // bFunctionClass
        bytes += [triple.1]  // bFunctionSubClass
        bytes += [triple.2]  // bFunctionProtocol
        bytes += [0]  // iFunction
        return bytes
    }

    /// The CDC ACM functional descriptors of a modem's communication interface.
    static func cdcFunctional(dataInterface: UInt8, controlInterface: UInt8) -> [[UInt8]] {
        [
            [5, 0x24, 0x00] + le16(0x0110),  // bLength, CS_INTERFACE, Header, bcdCDC 1.10
            [5, 0x24, 0x01, 0x00, dataInterface],  // bLength, CS_INTERFACE, Call Management, caps, bDataInterface
            [4, 0x24, 0x02, 0x02],  // bLength, CS_INTERFACE, ACM, bmCapabilities (line coding)
            [5, 0x24, 0x06, controlInterface, dataInterface],  // bLength, CS_INTERFACE, Union, control, data
        ]
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { b in
            let digits = String(b, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
