// SPDX-License-Identifier: Apache-2.0

/// Decides a device's kind from its interface triples over all configurations (pure logic, no I/O).
public enum USBClassifier {
    /// Apple's usbmux interface: vendor-specific, subclass fe, protocol 02.
    public static let usbmux: (UInt8, UInt8, UInt8) = (0xff, 0xfe, 0x02)
    /// Android's ADB interface: vendor-specific, subclass 42, protocol 01 (AOSP `adb.h`).
    public static let adb: (UInt8, UInt8, UInt8) = (0xff, 0x42, 0x01)

    /// The hub class, for the device and for its interface.
    public static let hubClass: UInt8 = 0x09
    static let printerClass: UInt8 = 0x07
    static let stillImageClass: UInt8 = 0x06
    static let commClass: UInt8 = 0x02
    static let acmSubclass: UInt8 = 0x02

    /// The kind and whether a CDC ACM modem is offered.
    public static func classify(
        deviceClass: UInt8, interfaces: [USBInterfaceInfo]
    ) -> (kind: USBDeviceKind, hasModem: Bool) {
        let hasModem = interfaces.contains { $0.interfaceClass == commClass && $0.interfaceSubclass == acmSubclass }
        if deviceClass == hubClass || interfaces.contains(where: { $0.interfaceClass == hubClass }) {
            return (.hub, false)
        }
        if interfaces.contains(where: { $0.matches(usbmux) }) { return (.appleUSBMux, hasModem) }
        if interfaces.contains(where: { $0.matches(adb) }) { return (.androidADB, hasModem) }
        if interfaces.contains(where: isMediaTransfer) { return (.androidNoDebug, hasModem) }
        if interfaces.contains(where: { $0.interfaceClass == printerClass && $0.interfaceSubclass == 0x01 }) {
            return (.printer, hasModem)
        }
        if hasModem { return (.samsungModem, true) }
        return (.other, false)
    }

    /// MTP or PTP: the Still Image class 06/01/01 most phones use, or a vendor-specific interface that
    /// speaks MTP (ff/ff/00 on some Android builds, recognisable only by its three endpoints).
    static func isMediaTransfer(_ interface: USBInterfaceInfo) -> Bool {
        if interface.interfaceClass == stillImageClass && interface.interfaceSubclass == 0x01 { return true }
        return interface.interfaceClass == 0xff && interface.interfaceSubclass == 0xff
            && interface.interfaceProtocol == 0x00
            && interface.endpoints.filter({ $0.transferType == .bulk }).count == 2
            && interface.endpoints.contains { $0.transferType == .interrupt }
    }
}
