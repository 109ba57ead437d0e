// SPDX-License-Identifier: Apache-2.0

/// What a device is to the bench, decided by its interfaces (never by a vendor list).
public enum USBDeviceKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An Apple device offering the usbmux interface (ff/fe/02) in some configuration: read through usbmuxd.
    case appleUSBMux = "apple-usbmux"
    /// An Android phone with USB debugging on (ADB interface ff/42/01).
    case androidADB = "android-adb"
    /// A phone offering MTP/PTP but no ADB: the consultant must turn on USB debugging.
    case androidNoDebug = "android-no-debug"
    /// A modem (CDC ACM 02/02) with neither MTP nor ADB, as a Samsung phone in some USB modes.
    case samsungModem = "samsung-modem"
    /// A USB printer (07/01), such as the receipt printer.
    case printer
    /// A hub: the watcher does not report hubs.
    case hub
    /// Anything else, including devices whose descriptors could not be read.
    case other
}

/// Phone brands told apart by USB vendor id (domain.md §4.3).
public enum USBBrand: String, Sendable, Hashable, Codable, CaseIterable {
    case apple = "Apple"
    case samsung = "Samsung"
    case google = "Google"
    case xiaomi = "Xiaomi"
    case huawei = "Huawei"
    case honor = "Honor"
    case oppoRealme = "Oppo/Realme"
    case onePlus = "OnePlus"
    case vivo = "Vivo"

    /// The brand for a vendor id, or `nil` when the vendor is not a phone maker we know.
    ///
    /// Honor's post-2020 id 339b is not in usb.ids (commonly reported, unverified); older Honor phones use
    /// Huawei's 12d1. OnePlus also ships 22d9 and 05c6 on some models, which report as Oppo/Realme or unknown.
    public init?(vendorID: UInt16) {
        switch vendorID {
        case 0x05ac: self = .apple
        case 0x04e8: self = .samsung
        case 0x18d1: self = .google
        case 0x2717: self = .xiaomi
        case 0x12d1: self = .huawei
        case 0x339b: self = .honor
        case 0x22d9: self = .oppoRealme
        case 0x2a70: self = .onePlus
        case 0x2d95: self = .vivo
        default: return nil
        }
    }
}
