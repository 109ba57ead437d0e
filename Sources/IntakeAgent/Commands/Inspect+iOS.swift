// SPDX-License-Identifier: Apache-2.0
//
// Which device `inspect` reads (the DeviceLocator `intake` uses too), and the iOS path: one lockdown session.

import AgentCLI
import Diagnostics
import Logging

extension Inspect {
    /// Finds the device the options name (DeviceLocator, as `intake` does) and reads it.
    func locateAndRead(logger: Logger) async throws -> Inspection {
        if let samsungModem { return try await inspectSamsungModem(tty: samsungModem) }
        let options = IOSReadOptions(trustWait: .seconds(trustWait))
        var usb: LibUSBContext?
        if adbTcp == nil {
            do { usb = try LibUSBContext(logger: logger) } catch { logger.info("no USB access for Android phones: \(error)") }
        }
        defer { usb?.shutdown() }
        let locator = DeviceLocator(
            udid: udid, serial: serial, adbTcp: adbTcp,
            nothingConnected: "No phone is connected: plug one in (unlocked), or list the devices with `intake-agent devices`.")
        switch try await locator.locate(usb: usb, iosOptions: options, logger: logger) {
        case .ios(let udid, let read):
            let result: IOSReadResult
            if let read { result = read } else { result = await IOSDeviceSession.read(udid: udid, options: options, logger: logger) }
            return Self.inspection(result)
        case .androidUSB(let phone):
            return try await inspectAndroid(usb: usb, phone: phone, logger: logger)
        case .adbTCP(let host, let port):
            return try await inspectAndroid(host: host, port: port, logger: logger)
        }
    }

    private static func inspection(_ result: IOSReadResult) -> Inspection {
        let problem = result.failure?.message ?? result.facts.pairing.flatMap(\.advice)
        return Inspection(report: result.report, problem: problem)
    }
}
