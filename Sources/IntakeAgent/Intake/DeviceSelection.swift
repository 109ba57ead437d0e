// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Diagnostics
import Foundation
import Intake
import Logging

/// Which device a command reads: by UDID, by serial, over ADB TCP, or the one device on the bench.
struct DeviceSelection: ParsableArguments {
    @Option(help: "The iPhone or iPad to read, by UDID (with or without its dash).")
    var udid: String?

    @Option(help: "The device to read, by USB serial, Apple serial number, UDID or Android serial.")
    var serial: String?

    @Option(help: "An Android phone in legacy `adb tcpip` mode, as HOST:PORT.")
    var adbTcp: String?

    var isEmpty: Bool { udid == nil && serial == nil && adbTcp == nil }

    func validate() throws {
        if [udid, serial, adbTcp].compactMap({ $0 }).count > 1 {
            throw ValidationError("Give one of --udid, --serial or --adb-tcp.")
        }
    }

    /// The platform reader for the selected device: an iPhone or iPad usbmuxd lists (by UDID, USB serial, or
    /// the only one connected), else an Android phone.
    func reader(logger: Logger, dataDirectory: URL, usb: LibUSBContext?, trustWait: Duration = .seconds(120)) async throws
        -> any DeviceReading
    {
        IOSMux.configureFromEnvironment()
        let options = IOSReadOptions(trustWait: trustWait)
        if adbTcp == nil {
            let iosDevices = await IOSMux.devices()
            if let wanted = udid ?? serial, let device = iosDevices.first(where: { $0.matches(udidOrSerial: wanted) }) {
                return IOSReader(udid: device.udid, options: options, logger: logger)
            }
            if let udid {
                throw Failure("No iPhone or iPad with UDID \(udid) is connected: check the cable, or list the devices with `intake-agent devices`.")
            }
            if serial == nil, iosDevices.count == 1 {
                return IOSReader(udid: iosDevices[0].udid, options: options, logger: logger)
            }
            if serial == nil, iosDevices.count > 1 {
                throw Failure("\(iosDevices.count) iPhones or iPads are connected: choose one with --udid or --serial.")
            }
        }
        if let android = try await androidReader(logger: logger, dataDirectory: dataDirectory, usb: usb) { return android }
        if let serial {
            throw Failure("No device with serial \(serial) is connected: check the cable, or list the devices with `intake-agent devices`.")
        }
        throw Failure("No phone is connected: plug one in (iPhones: unlock and tap Trust; Android: turn on USB debugging), or use --manual for AirPods, Watch and MacBook.")
    }
}

extension DeviceSelection {
    /// The Android phone the options name, over ADB TCP or USB; `nil` when none matches. A USB phone stays open
    /// through `usb`, which the caller shuts down when the session ends.
    func androidReader(logger: Logger, dataDirectory: URL, usb: LibUSBContext?) async throws -> (any DeviceReading)? {
        if let adbTcp {
            guard let (host, port) = ADBTCPTransport.parseEndpoint(adbTcp) else {
                throw Failure("--adb-tcp takes HOST:PORT, such as 192.168.1.20:5555, not \(adbTcp).")
            }
            return AndroidADBReader(link: .tcp(host: host, port: port), key: try Self.adbKey(in: dataDirectory))
        }
        guard udid == nil, let usb else { return nil }
        guard let chosen = try Self.androidPhone(among: try await usb.devices(), serial: serial) else { return nil }
        let key = try Self.adbKey(in: dataDirectory)
        return AndroidADBReader(link: chosen.kind == .androidADB ? .usb(usb, chosen) : .descriptorsOnly(chosen), key: key)
    }

    /// The Android phone on the bus with USB serial `serial`, or the only one when no serial is given; `nil` when
    /// none matches. Phones with USB debugging off count: their report says so.
    static func androidPhone(among devices: [USBDeviceInfo], serial: String?) throws -> USBDeviceInfo? {
        let phones = devices.filter { $0.kind == .androidADB || $0.kind == .androidNoDebug }
        if let serial {
            return phones.first { $0.serial?.caseInsensitiveCompare(serial) == .orderedSame }
        }
        guard phones.count <= 1 else { throw Failure("\(phones.count) Android phones are connected: choose one with --serial.") }
        return phones.first
    }

    /// The bench's ADB key, created in the data directory on first use (mode 0600).
    static func adbKey(in dataDirectory: URL) throws -> ADBKey {
        do {
            return try ADBKey.loadOrCreate(in: dataDirectory)
        } catch {
            throw Failure("The ADB key in \(dataDirectory.path) could not be read or created (\(error)); check that the data directory is writable.")
        }
    }
}
