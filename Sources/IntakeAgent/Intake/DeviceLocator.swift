// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import Diagnostics
import Foundation
import Logging

/// The one answer to "which device does the consultant mean?", for `inspect` and `intake` alike (design.md:
/// `--serial` matches the USB serial, the Apple serial number, the UDID with or without its dash, or the Android
/// serial). With nothing named it is the only phone on the bench, iPhone or Android.
struct DeviceLocator {
    var udid: String?
    var serial: String?
    var adbTcp: String?
    /// What to say when no phone at all is on the bench (the command's own advice).
    var nothingConnected = "No phone is connected: plug one in (iPhones: unlock and tap Trust; Android: turn on USB debugging), or list the devices with `intake-agent devices`."

    enum Located {
        /// An iPhone or iPad usbmuxd lists; `read` is its read when finding it took one (by Apple serial number).
        case ios(udid: String, read: IOSReadResult?)
        /// An Android phone on the USB bus (with or without USB debugging).
        case androidUSB(USBDeviceInfo)
        /// An Android phone in `adb tcpip` mode.
        case adbTCP(host: String, port: UInt16)
    }

    /// Finds the device, or throws one sentence saying what is on the bench and what to do. `usb` is `nil` where
    /// the bus cannot be opened (no Android phone can then be found, iPhones still can).
    func locate(usb: LibUSBContext?, iosOptions: IOSReadOptions, logger: Logger) async throws -> Located {
        if let adbTcp {
            guard let (host, port) = ADBTCPTransport.parseEndpoint(adbTcp) else {
                throw Failure("--adb-tcp takes HOST:PORT, such as 192.168.1.20:5555, not \(adbTcp).")
            }
            return .adbTCP(host: host, port: port)
        }
        IOSMux.configureFromEnvironment()
        let iphones = await IOSMux.devices()
        if iphones.isEmpty, let problem = IOSMux.socketAddressProblem() {
            // The one reason libusbmuxd gives no sign of: say it rather than "no phone".
            throw Failure(problem)
        }
        if let udid {
            guard let device = iphones.first(where: { $0.matches(udidOrSerial: udid) }) else {
                throw DiagnosticsError.notFound(udid: udid)
            }
            return .ios(udid: device.udid, read: nil)
        }
        let androids = try await androidPhones(usb: usb, logger: logger)
        if let serial {
            if let device = iphones.first(where: { $0.matches(udidOrSerial: serial) }) { return .ios(udid: device.udid, read: nil) }
            if let phone = androids.first(where: { Self.sameSerial($0.serial, serial) }) { return .androidUSB(phone) }
            // The Apple serial number is only readable through a paired session: read every iPhone at once.
            let reads = await withTaskGroup(of: IOSReadResult.self) { group in
                for device in iphones {
                    group.addTask { await IOSDeviceSession.read(udid: device.udid, options: iosOptions, logger: logger) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            if let read = reads.first(where: { Self.sameSerial($0.facts.serialNumber, serial) }) {
                return .ios(udid: read.facts.udid, read: read)
            }
            throw Failure("No connected device has the serial \(serial): check it, or list the devices with `intake-agent devices`.")
        }
        switch (iphones.count, androids.count) {
        case (1, 0): return .ios(udid: iphones[0].udid, read: nil)
        case (0, 1): return .androidUSB(androids[0])
        case (0, 0):
            throw Failure(nothingConnected)
        case (let i, 0):
            throw Failure("\(i) iPhones or iPads are connected: choose one with --udid or --serial.")
        case (0, let a):
            throw Failure("\(a) Android phones are connected: choose one with --serial.")
        case (let i, let a):
            throw Failure("\(i + a) phones are connected (\(i) iPhone or iPad, \(a) Android): choose one with --udid or --serial.")
        }
    }

    /// The Android phones on the bus, debugging on or off.
    private func androidPhones(usb: LibUSBContext?, logger: Logger) async throws -> [USBDeviceInfo] {
        guard let usb else { return [] }
        do {
            return try await usb.devices().filter {
                $0.kind == .androidADB || $0.kind == .androidNoDebug || SamsungModemPort.modemInterface(of: $0) != nil && $0.kind == .samsungModem
            }
        } catch {
            logger.info("the USB bus could not be listed: \(error)")
            return []
        }
    }

    /// Serials compare without case, dashes or spaces (a UDID is typed with or without its dash).
    static func sameSerial(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        func plain(_ s: String) -> String { s.filter { $0 != "-" && $0 != " " }.lowercased() }
        return !plain(b).isEmpty && plain(a) == plain(b)
    }
}
