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

    /// The platform reader for the selected device, found by the one DeviceLocator `inspect` uses too.
    func reader(logger: Logger, dataDirectory: URL, usb: LibUSBContext?, trustWait: Duration = .seconds(120)) async throws
        -> any DeviceReading
    {
        let options = IOSReadOptions(trustWait: trustWait)
        let locator = DeviceLocator(
            udid: udid, serial: serial, adbTcp: adbTcp,
            nothingConnected: "No phone is connected: plug one in (iPhones: unlock and tap Trust; Android: turn on USB debugging), or use --manual for AirPods, Watch and MacBook.")
        switch try await locator.locate(usb: usb, iosOptions: options, logger: logger) {
        case .ios(let udid, _):
            return IOSReader(udid: udid, options: options, logger: logger)
        case .androidUSB(let phone):
            let key = try Self.adbKey(in: dataDirectory)
            guard let usb, phone.kind == .androidADB else { return AndroidADBReader(link: .descriptorsOnly(phone), key: key) }
            return AndroidADBReader(link: .usb(usb, phone), key: key)
        case .adbTCP(let host, let port):
            return AndroidADBReader(link: .tcp(host: host, port: port), key: try Self.adbKey(in: dataDirectory))
        }
    }
}

extension DeviceSelection {
    /// The bench's ADB key, created in the data directory on first use (mode 0600).
    static func adbKey(in dataDirectory: URL) throws -> ADBKey {
        do {
            return try ADBKey.loadOrCreate(in: dataDirectory)
        } catch {
            throw Failure("The ADB key in \(dataDirectory.path) could not be read or created (\(error)); check that the data directory is writable.")
        }
    }
}
