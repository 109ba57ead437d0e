// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds the tty the kernel's `cdc_acm` driver made of a Samsung phone's modem, from sysfs: the driver puts the
/// tty (`ttyACM0`) under the modem's communications interface, `/sys/bus/usb/devices/<port>:<config>.<interface>/tty/`,
/// and udev makes `/dev/ttyACM0` of it (the agent's udev rules grant it to the agent's group).
public enum SamsungModemPort {
    /// CDC's communications class and its abstract control model (ACM) subclass, and the CDC data class.
    static let communicationsClass: UInt8 = 0x02
    static let acmSubclass: UInt8 = 0x02
    static let dataClass: UInt8 = 0x0a

    /// The modem's communications interface when `device` is a Samsung (vendor 04e8) offering a CDC ACM modem: an
    /// 02/02 interface with a CDC data interface (0a) in the same configuration, the one in force when known.
    public static func modemInterface(of device: USBDeviceInfo) -> USBInterfaceInfo? {
        guard device.brand == .samsung else { return nil }
        let candidates = device.interfaces.filter {
            $0.interfaceClass == communicationsClass && $0.interfaceSubclass == acmSubclass
                && (device.activeConfiguration == nil || $0.configuration == device.activeConfiguration)
        }
        return candidates.first { modem in
            device.interfaces.contains { $0.configuration == modem.configuration && $0.interfaceClass == dataClass }
        }
    }

    /// Whether the bench reads the phone through its modem: a Samsung with a modem and no ADB interface (USB
    /// debugging off, or a modem-only USB mode). With debugging on, ADB reads everything and the modem is left alone.
    public static func readsModem(_ device: USBDeviceInfo) -> Bool {
        (device.kind == .androidNoDebug || device.kind == .samsungModem) && modemInterface(of: device) != nil
    }

    /// The modem's tty (`/dev/ttyACM0`), or `nil` when no driver made one of it (no `cdc_acm`, or the phone is gone).
    public static func tty(of device: USBDeviceInfo, sysfsDevices: String = "/sys/bus/usb/devices", devDirectory: String = "/dev")
        -> String?
    {
        guard let modem = modemInterface(of: device) else { return nil }
        let interface = "\(device.portPath):\(modem.configuration).\(modem.number)"
        let names = entries(of: sysfsDevices + "/" + interface + "/tty").filter { $0.hasPrefix("tty") }.sorted()
        return names.first.map { devDirectory + "/" + $0 }
    }

    /// A directory's entries by opendir(3), which the test bed's umockdev preload redirects like the kernel's sysfs.
    private static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

extension SamsungModemReader {
    /// Reads a Samsung on the bus through its modem's tty when it offers one (`nil` when it does not, or no driver
    /// made a tty of it within `ttyWait`: the daemon sees the USB device a moment before udev makes the node). A tty
    /// that cannot be opened gives a report of nothing but what to do.
    public static func read(device: USBDeviceInfo, commandTimeout: Duration = .milliseconds(800), ttyWait: Duration = .zero)
        async -> DeviceReport?
    {
        guard SamsungModemPort.readsModem(device) else { return nil }
        let clock = ContinuousClock()
        let deadline = clock.now + ttyWait
        var tty = SamsungModemPort.tty(of: device)
        while tty == nil, clock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
            tty = SamsungModemPort.tty(of: device)
        }
        guard let tty else { return nil }
        do {
            return try await read(tty: tty, commandTimeout: commandTimeout, usbSerial: device.serial)
        } catch {
            var report = SamsungAT.report(replies: [:], usbSerial: device.serial)
            report.advice = "\(error) Turn on USB debugging to read the rest, or run `intake-agent doctor` to check the modem's permissions."
            return report
        }
    }
}
