// SPDX-License-Identifier: Apache-2.0
//
// The iOS path of `inspect`: the devices usbmuxd lists, matched by UDID (with or without its dash), USB serial
// or Apple serial number, and read through one lockdown session each.

import AgentCLI
import Diagnostics
import Logging

extension Inspect {
    /// Reads the iPhone or iPad the options name; `nil` when no iOS device matches (another platform may).
    func inspectIOS(logger: Logger) async throws -> Inspection? {
        let devices = await IOSMux.devices()
        if devices.isEmpty, let problem = IOSMux.socketAddressProblem() {
            // The one reason libusbmuxd gives no sign of: say it rather than "no phone".
            throw Failure(problem)
        }
        let options = IOSReadOptions(trustWait: .seconds(trustWait))
        let wanted = udid ?? serial
        if let wanted, let device = devices.first(where: { $0.matches(udidOrSerial: wanted) }) {
            return Self.inspection(await IOSDeviceSession.read(udid: device.udid, options: options, logger: logger))
        }
        if udid != nil { return nil }
        if let serial {
            // The Apple serial number is only readable through a paired session: read every device at once.
            let results = await withTaskGroup(of: IOSReadResult.self) { group in
                for device in devices {
                    group.addTask { await IOSDeviceSession.read(udid: device.udid, options: options, logger: logger) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let wantedSerial = serial.uppercased()
            return results.first { $0.facts.serialNumber?.uppercased() == wantedSerial }.map(Self.inspection)
        }
        guard !devices.isEmpty else { return nil }
        guard devices.count == 1 else {
            throw Failure("\(devices.count) iPhones or iPads are connected: choose one with --udid or --serial.")
        }
        return Self.inspection(await IOSDeviceSession.read(udid: devices[0].udid, options: options, logger: logger))
    }

    private static func inspection(_ result: IOSReadResult) -> Inspection {
        let problem = result.failure?.message ?? result.facts.pairing.flatMap(\.advice)
        return Inspection(report: result.report, problem: problem)
    }
}
