// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Diagnostics
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
    func reader(logger: Logger, trustWait: Duration = .seconds(120)) async throws -> any DeviceReading {
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
        if let android = try await androidReader(logger: logger) { return android }
        if let serial {
            throw Failure("No device with serial \(serial) is connected: check the cable, or list the devices with `intake-agent devices`.")
        }
        throw Failure("No phone is connected: plug one in (iPhones: unlock and tap Trust; Android: turn on USB debugging), or use --manual for AirPods, Watch and MacBook.")
    }
}

extension DeviceSelection {
    /// The Android phone the options name, over ADB TCP or USB; `nil` when none matches.
    func androidReader(logger: Logger) async throws -> (any DeviceReading)? {
        nil
    }
}
