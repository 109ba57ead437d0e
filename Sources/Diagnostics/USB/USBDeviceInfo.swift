// SPDX-License-Identifier: Apache-2.0

/// Where a device sits on the bus right now: its bus number and the address the host gave it.
///
/// The address changes on every replug; the port path (`USBDeviceInfo.portPath`) says which bench slot.
public struct USBDeviceAddress: Hashable, Sendable, CustomStringConvertible {
    public var bus: UInt8
    public var address: UInt8

    public init(bus: UInt8, address: UInt8) {
        self.bus = bus
        self.address = address
    }

    public var description: String { "\(bus)/\(address)" }
}

/// The speed a device negotiated, as libusb reports it.
public enum USBSpeed: String, Sendable, Hashable, Codable {
    case unknown, low, full, high, `super`, superPlus = "super-plus"
}

/// One endpoint of an interface: its address (bit 7 set for IN) and transfer type.
public struct USBEndpointInfo: Hashable, Sendable {
    public enum TransferType: String, Sendable, Hashable { case control, isochronous, bulk, interrupt }

    /// The endpoint address, such as `0x85` (IN, number 5) or `0x03` (OUT, number 3).
    public var address: UInt8
    public var transferType: TransferType
    public var maxPacketSize: UInt16

    public init(address: UInt8, transferType: TransferType, maxPacketSize: UInt16) {
        self.address = address
        self.transferType = transferType
        self.maxPacketSize = maxPacketSize
    }

    /// Whether data flows from the device to the host.
    public var isInput: Bool { address & 0x80 != 0 }
}

/// One interface (alternate setting) of one configuration, with its class triple and endpoints.
public struct USBInterfaceInfo: Hashable, Sendable {
    /// The `bConfigurationValue` of the configuration this interface belongs to.
    public var configuration: UInt8
    public var number: UInt8
    public var alternateSetting: UInt8
    public var interfaceClass: UInt8
    public var interfaceSubclass: UInt8
    public var interfaceProtocol: UInt8
    public var endpoints: [USBEndpointInfo]

    public init(
        configuration: UInt8, number: UInt8, alternateSetting: UInt8,
        interfaceClass: UInt8, interfaceSubclass: UInt8, interfaceProtocol: UInt8,
        endpoints: [USBEndpointInfo]
    ) {
        self.configuration = configuration
        self.number = number
        self.alternateSetting = alternateSetting
        self.interfaceClass = interfaceClass
        self.interfaceSubclass = interfaceSubclass
        self.interfaceProtocol = interfaceProtocol
        self.endpoints = endpoints
    }

    /// Whether this interface is class/subclass/protocol `triple`.
    public func matches(_ triple: (UInt8, UInt8, UInt8)) -> Bool {
        interfaceClass == triple.0 && interfaceSubclass == triple.1 && interfaceProtocol == triple.2
    }

    /// The first bulk IN endpoint's address, if any.
    public var bulkIn: UInt8? { endpoints.first { $0.transferType == .bulk && $0.isInput }?.address }
    /// The first bulk OUT endpoint's address, if any.
    public var bulkOut: UInt8? { endpoints.first { $0.transferType == .bulk && !$0.isInput }?.address }
}

/// Everything the watcher learned about one device: where it is, who made it, what it offers and what kind
/// of device that makes it.
public struct USBDeviceInfo: Hashable, Sendable {
    public var bus: UInt8
    public var address: UInt8
    /// The port path the kernel uses, such as `1-2.3` (bus 1, root port 2, hub port 3): the bench slot.
    public var portPath: String
    public var vendorID: UInt16
    public var productID: UInt16
    public var deviceClass: UInt8
    public var speed: USBSpeed
    /// String descriptors; `nil` when the device has none or did not answer.
    public var manufacturer: String?
    public var product: String?
    public var serial: String?
    /// The `bConfigurationValue` in force, when known.
    public var activeConfiguration: UInt8?
    /// Every interface of every configuration that could be read.
    public var interfaces: [USBInterfaceInfo]
    public var kind: USBDeviceKind
    /// True when the device offers a CDC ACM modem (02/02/xx), as Samsung phones do even without USB debugging.
    public var hasModem: Bool
    /// The maker's brand from the vendor id, when it is a phone brand we know.
    public var brand: USBBrand?
    /// What could not be read, one sentence each (a malformed descriptor, strings that did not come).
    public var warnings: [String]

    public init(
        bus: UInt8, address: UInt8, portPath: String, vendorID: UInt16, productID: UInt16,
        deviceClass: UInt8 = 0, speed: USBSpeed = .unknown,
        manufacturer: String? = nil, product: String? = nil, serial: String? = nil,
        activeConfiguration: UInt8? = nil, interfaces: [USBInterfaceInfo] = [], warnings: [String] = []
    ) {
        self.bus = bus
        self.address = address
        self.portPath = portPath
        self.vendorID = vendorID
        self.productID = productID
        self.deviceClass = deviceClass
        self.speed = speed
        self.manufacturer = manufacturer
        self.product = product
        self.serial = serial
        self.activeConfiguration = activeConfiguration
        self.interfaces = interfaces
        self.warnings = warnings
        let classification = USBClassifier.classify(deviceClass: deviceClass, interfaces: interfaces)
        self.kind = classification.kind
        self.hasModem = classification.hasModem
        self.brand = USBBrand(vendorID: vendorID)
    }

    public var deviceAddress: USBDeviceAddress { USBDeviceAddress(bus: bus, address: address) }

    /// Bus then port numbers, so `1-2` sorts before `1-10` and a hub before what hangs on it.
    var portOrder: [Int] {
        [Int(bus)] + (portPath.split(separator: "-", maxSplits: 1).dropFirst().first ?? "")
            .split(separator: ".").compactMap { Int($0) }
    }

    /// `vendorID` as 4 lowercase hex digits, such as `04e8`.
    public var vendorIDHex: String { Self.hex4(vendorID) }
    /// `productID` as 4 lowercase hex digits, such as `6860`.
    public var productIDHex: String { Self.hex4(productID) }

    /// The ADB interface (ff/42/01) with its bulk endpoints, when the device offers one.
    public var adbInterface: USBInterfaceInfo? { interfaces.first { $0.matches(USBClassifier.adb) } }

    static func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
