// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
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

    /// The platform reader for the selected device.
    func reader(logger: Logger) async throws -> any DeviceReading {
        throw Failure("Reading a device in a session needs the iOS or Android reader, which this build does not have yet.")
    }
}
