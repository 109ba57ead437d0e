// SPDX-License-Identifier: Apache-2.0
import CUSB
import Foundation
import Logging

/// Reads what the host already knows about a device (descriptors cached by the kernel, sysfs strings) and,
/// only when sysfs lacks them, its string descriptors over control transfers with a timeout.
///
/// Runs on a background thread, never in the hotplug callback: opening a device and control transfers block.
enum LibUSBDeviceDescriber {
    /// How long one string-descriptor request may take before the device counts as not answering.
    static let stringTimeoutMilliseconds: UInt32 = 300
    /// Where the kernel exposes USB devices; the port path names the directory (`1-2.3`).
    static let sysfsDevices = "/sys/bus/usb/devices"
    static let appleVendorID: UInt16 = 0x05ac

    /// The ids and port path of a device, read from libusb's in-memory copy (no I/O: safe in the callback).
    struct Identity: Sendable, Hashable {
        var bus: UInt8
        var address: UInt8
        var portPath: String
        var vendorID: UInt16
        var productID: UInt16
        var deviceClass: UInt8
    }

    static func identity(of device: OpaquePointer) -> Identity {
        var descriptor = libusb_device_descriptor()
        // Since libusb 1.0.16 this reads a cached copy and always succeeds.
        _ = libusb_get_device_descriptor(device, &descriptor)
        let bus = libusb_get_bus_number(device)
        var ports = [UInt8](repeating: 0, count: 7)
        let count = libusb_get_port_numbers(device, &ports, Int32(ports.count))
        let portPath =
            count > 0
            ? "\(bus)-" + ports.prefix(Int(count)).map(String.init).joined(separator: ".")
            : "usb\(bus)"
        return Identity(
            bus: bus, address: libusb_get_device_address(device), portPath: portPath,
            vendorID: descriptor.idVendor, productID: descriptor.idProduct, deviceClass: descriptor.bDeviceClass)
    }

    /// Everything about one device. Never throws: what cannot be read becomes a warning.
    static func describe(_ device: OpaquePointer, logger: Logger) -> USBDeviceInfo {
        let id = identity(of: device)
        var descriptor = libusb_device_descriptor()
        _ = libusb_get_device_descriptor(device, &descriptor)
        var warnings: [String] = []
        let (interfaces, configWarnings) = readInterfaces(device, count: descriptor.bNumConfigurations)
        warnings += configWarnings

        var active: UInt8?
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        if libusb_get_active_config_descriptor(device, &config) == 0, let config {
            active = config.pointee.bConfigurationValue
            libusb_free_config_descriptor(config)
        }

        let indexes = [descriptor.iManufacturer, descriptor.iProduct, descriptor.iSerialNumber]
        // Hubs are never reported, and Apple devices belong to usbmuxd's user (udev's 39-usbmuxd.rules): ask
        // neither over the wire, sysfs only.
        let askDevice = id.deviceClass != USBClassifier.hubClass && id.vendorID != appleVendorID
        let (strings, stringWarning) = readStrings(device, portPath: id.portPath, indexes: indexes, askDevice: askDevice)
        if let stringWarning { warnings.append(stringWarning) }

        let info = USBDeviceInfo(
            bus: id.bus, address: id.address, portPath: id.portPath, vendorID: id.vendorID, productID: id.productID,
            deviceClass: id.deviceClass, speed: speed(of: device),
            manufacturer: strings[0], product: strings[1], serial: strings[2],
            activeConfiguration: active, interfaces: interfaces, warnings: warnings)
        for warning in warnings {
            logger.warning(
                "\(warning)",
                metadata: [
                    "usb.bus": "\(id.bus)", "usb.address": "\(id.address)",
                    "usb.vid": "\(info.vendorIDHex)", "usb.pid": "\(info.productIDHex)",
                ])
        }
        return info
    }

    // MARK: - Descriptors

    private static func readInterfaces(_ device: OpaquePointer, count: UInt8) -> ([USBInterfaceInfo], [String]) {
        var interfaces: [USBInterfaceInfo] = []
        var warnings: [String] = []
        for index in 0..<count {
            var config: UnsafeMutablePointer<libusb_config_descriptor>?
            let result = libusb_get_config_descriptor(device, index, &config)
            guard result == 0, let config else {
                let error = LibUSBError(rawValue: result)
                warnings.append(
                    "Configuration descriptor \(index + 1) of \(count) is malformed (\(error.name)), so its "
                        + "interfaces are ignored: if this is a phone, replug it or try another cable.")
                continue
            }
            defer { libusb_free_config_descriptor(config) }
            let value = config.pointee.bConfigurationValue
            for i in 0..<Int(config.pointee.bNumInterfaces) {
                let interface = config.pointee.interface[i]
                for a in 0..<Int(interface.num_altsetting) {
                    let alt = interface.altsetting[a]
                    var endpoints: [USBEndpointInfo] = []
                    for e in 0..<Int(alt.bNumEndpoints) {
                        let endpoint = alt.endpoint[e]
                        endpoints.append(
                            USBEndpointInfo(
                                address: endpoint.bEndpointAddress,
                                transferType: transferType(endpoint.bmAttributes),
                                maxPacketSize: endpoint.wMaxPacketSize))
                    }
                    interfaces.append(
                        USBInterfaceInfo(
                            configuration: value, number: alt.bInterfaceNumber, alternateSetting: alt.bAlternateSetting,
                            interfaceClass: alt.bInterfaceClass, interfaceSubclass: alt.bInterfaceSubClass,
                            interfaceProtocol: alt.bInterfaceProtocol, endpoints: endpoints))
                }
            }
        }
        return (interfaces, warnings)
    }

    private static func transferType(_ attributes: UInt8) -> USBEndpointInfo.TransferType {
        switch attributes & 0x03 {
        case 0: .control
        case 1: .isochronous
        case 2: .bulk
        default: .interrupt
        }
    }

    private static func speed(of device: OpaquePointer) -> USBSpeed {
        switch libusb_get_device_speed(device) {
        case Int32(LIBUSB_SPEED_LOW.rawValue): .low
        case Int32(LIBUSB_SPEED_FULL.rawValue): .full
        case Int32(LIBUSB_SPEED_HIGH.rawValue): .high
        case Int32(LIBUSB_SPEED_SUPER.rawValue): .super
        case Int32(LIBUSB_SPEED_SUPER_PLUS.rawValue): .superPlus
        default: .unknown
        }
    }

    // MARK: - Strings

    /// Manufacturer, product and serial: sysfs first (Apple devices belong to usbmuxd's user and cannot be
    /// opened by ours), then control transfers for whatever sysfs did not have.
    private static func readStrings(
        _ device: OpaquePointer, portPath: String, indexes: [UInt8], askDevice: Bool
    ) -> ([String?], String?) {
        let names = ["manufacturer", "product", "serial"]
        var strings: [String?] = indexes.indices.map { i in
            indexes[i] == 0 ? nil : readSysfsAttribute(portPath: portPath, name: names[i])
        }
        let missing = indexes.indices.filter { indexes[$0] != 0 && strings[$0] == nil }
        guard !missing.isEmpty, askDevice else { return (strings, nil) }

        var handle: OpaquePointer?
        let opened = libusb_open(device, &handle)
        guard opened == 0, let handle else {
            let error = LibUSBError(rawValue: opened)
            return (strings, "The device's name and serial could not be read: \(DiagnosticsError(error).message)")
        }
        defer { libusb_close(handle) }
        do throws(LibUSBError) {
            let language = try firstLanguage(handle)
            for i in missing {
                do throws(LibUSBError) {
                    strings[i] = try stringDescriptor(handle, index: indexes[i], language: language)
                } catch .pipe {
                    continue  // This one string is refused; the others may still come.
                }
            }
            return (strings, nil)
        } catch {
            return (strings, "The device's name and serial could not be read: \(DiagnosticsError(error).message)")
        }
    }

    static func readSysfsAttribute(portPath: String, name: String) -> String? {
        let path = "\(sysfsDevices)/\(portPath)/\(name)"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        var text = String(decoding: buffer[0..<count], as: UTF8.self)
        while text.last == "\n" || text.last == "\0" { text.removeLast() }
        return text.isEmpty ? nil : text
    }

    /// GET_DESCRIPTOR(STRING) with a timeout. The corresponding C function is `libusb_control_transfer`.
    private static func getStringDescriptor(
        _ handle: OpaquePointer, index: UInt8, language: UInt16
    ) throws(LibUSBError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 255)
        let count = try LibUSBError.check(
            libusb_control_transfer(
                handle, UInt8(LIBUSB_ENDPOINT_IN.rawValue), UInt8(LIBUSB_REQUEST_GET_DESCRIPTOR.rawValue),
                UInt16(LIBUSB_DT_STRING.rawValue) << 8 | UInt16(index), language, &buffer, UInt16(buffer.count),
                stringTimeoutMilliseconds))
        // A string descriptor is bLength, bDescriptorType 0x03, then UTF-16LE.
        guard count >= 2, buffer[1] == UInt8(LIBUSB_DT_STRING.rawValue) else { throw LibUSBError.io }
        let length = min(Int(count), Int(buffer[0]))
        guard length >= 2 else { throw LibUSBError.io }
        return Array(buffer[2..<length])
    }

    private static func firstLanguage(_ handle: OpaquePointer) throws(LibUSBError) -> UInt16 {
        let languages = try getStringDescriptor(handle, index: 0, language: 0)
        guard languages.count >= 2 else { return 0x0409 }
        return UInt16(languages[0]) | UInt16(languages[1]) << 8
    }

    private static func stringDescriptor(
        _ handle: OpaquePointer, index: UInt8, language: UInt16
    ) throws(LibUSBError) -> String? {
        let bytes = try getStringDescriptor(handle, index: index, language: language)
        let units = stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        let text = String(decoding: units, as: UTF16.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
