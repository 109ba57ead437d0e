// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Testing

/// The pure classification rules, table-driven (no USB involved).
struct USBClassifierTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var deviceClass: UInt8 = 0
        var triples: [(UInt8, UInt8, UInt8)]
        var kind: USBDeviceKind
        var hasModem = false
        var testDescription: String { name }
    }

    static func interfaces(_ triples: [(UInt8, UInt8, UInt8)], configuration: UInt8 = 1) -> [USBInterfaceInfo] {
        triples.enumerated().map { index, triple in
            USBInterfaceInfo(
                configuration: configuration, number: UInt8(index), alternateSetting: 0,
                interfaceClass: triple.0, interfaceSubclass: triple.1, interfaceProtocol: triple.2,
                endpoints: [
                    USBEndpointInfo(address: 0x81, transferType: .bulk, maxPacketSize: 512),
                    USBEndpointInfo(address: 0x01, transferType: .bulk, maxPacketSize: 512),
                    USBEndpointInfo(address: 0x82, transferType: .interrupt, maxPacketSize: 28),
                ])
        }
    }

    @Test(arguments: [
        Case(name: "usbmux beside PTP", triples: [(0x06, 0x01, 0x01), (0xff, 0xfe, 0x02)], kind: .appleUSBMux),
        Case(name: "ADB alone", triples: [(0xff, 0x42, 0x01)], kind: .androidADB),
        Case(name: "Samsung MTP+modem+ADB", triples: [(0x06, 0x01, 0x01), (0x02, 0x02, 0x01), (0x0a, 0x00, 0x00), (0xff, 0x42, 0x01)], kind: .androidADB, hasModem: true),
        Case(name: "Samsung MTP+modem", triples: [(0x06, 0x01, 0x01), (0x02, 0x02, 0x01), (0x0a, 0x00, 0x00)], kind: .androidNoDebug, hasModem: true),
        Case(name: "MTP only", triples: [(0x06, 0x01, 0x01)], kind: .androidNoDebug),
        Case(name: "vendor-specific MTP", triples: [(0xff, 0xff, 0x00)], kind: .androidNoDebug),
        Case(name: "modem only", triples: [(0x02, 0x02, 0x01), (0x0a, 0x00, 0x00)], kind: .samsungModem, hasModem: true),
        Case(name: "receipt printer", triples: [(0x07, 0x01, 0x02)], kind: .printer),
        Case(name: "hub by device class", deviceClass: 0x09, triples: [(0x09, 0x00, 0x00)], kind: .hub),
        Case(name: "keyboard", triples: [(0x03, 0x01, 0x01)], kind: .other),
        Case(name: "nothing readable", triples: [], kind: .other),
        Case(name: "RNDIS tethering only", triples: [(0xe0, 0x01, 0x03), (0x0a, 0x00, 0x00)], kind: .other),
    ])
    func classifiesByInterface(_ test: Case) {
        let result = USBClassifier.classify(deviceClass: test.deviceClass, interfaces: Self.interfaces(test.triples))
        #expect(result.kind == test.kind)
        #expect(result.hasModem == test.hasModem)
    }

    @Test func usbmuxInALaterConfigurationCounts() {
        let interfaces = Self.interfaces([(0x06, 0x01, 0x01)], configuration: 1)
            + Self.interfaces([(0x06, 0x01, 0x01), (0xff, 0xfe, 0x02)], configuration: 4)
        #expect(USBClassifier.classify(deviceClass: 0, interfaces: interfaces).kind == .appleUSBMux)
    }

    @Test(arguments: [
        (UInt16(0x05ac), USBBrand?.some(.apple)), (0x04e8, .samsung), (0x18d1, .google), (0x2717, .xiaomi),
        (0x12d1, .huawei), (0x339b, .honor), (0x22d9, .oppoRealme), (0x2a70, .onePlus), (0x2d95, .vivo),
        (0x0416, nil), (0x1d6b, nil),
    ])
    func brandFromVendorID(_ vendor: UInt16, _ brand: USBBrand?) {
        #expect(USBBrand(vendorID: vendor) == brand)
    }

    @Test func deviceInfoFindsTheADBBulkEndpoints() {
        let adb = USBInterfaceInfo(
            configuration: 1, number: 3, alternateSetting: 0, interfaceClass: 0xff, interfaceSubclass: 0x42,
            interfaceProtocol: 0x01,
            endpoints: [
                USBEndpointInfo(address: 0x85, transferType: .bulk, maxPacketSize: 512),
                USBEndpointInfo(address: 0x03, transferType: .bulk, maxPacketSize: 512),
            ])
        let info = USBDeviceInfo(
            bus: 1, address: 7, portPath: "1-2.3", vendorID: 0x04e8, productID: 0x6860,
            interfaces: Self.interfaces([(0x06, 0x01, 0x01)]) + [adb])
        #expect(info.kind == .androidADB)
        #expect(info.vendorIDHex == "04e8")
        #expect(info.adbInterface?.number == 3)
        #expect(info.adbInterface?.bulkIn == 0x85)
        #expect(info.adbInterface?.bulkOut == 0x03)
    }
}
