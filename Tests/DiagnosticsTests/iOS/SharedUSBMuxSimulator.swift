// SPDX-License-Identifier: Apache-2.0
//
// One usbmuxd simulator for every in-process iOS test. libusbmuxd reads USBMUXD_SOCKET_ADDRESS from the process
// environment on each connection, so tests running in parallel cannot each point it somewhere else; they share
// this simulator instead and each plugs in devices with UDIDs of its own, so they never see each other's state.

import DeviceSimulators
import Foundation

enum SharedUSBMuxSimulator {
    /// Started on first use; the environment is set before any libusbmuxd call of the test process.
    static let shared: USBMuxSimulator = {
        let simulator: USBMuxSimulator
        do {
            simulator = try USBMuxSimulator.start()
        } catch {
            fatalError("The usbmuxd simulator could not start: \(error)")
        }
        setenv("USBMUXD_SOCKET_ADDRESS", simulator.socketAddress, 1)
        return simulator
    }()

    /// `profile` with a UDID and serial number no other test uses, in the profile's UDID format.
    static func unique(_ profile: SimulatedIOSDevice) -> SimulatedIOSDevice {
        let hex = UUID().uuidString.replacingOccurrences(of: "-", with: "").uppercased()
        let udid: String
        if profile.udid.count == 40 {
            udid = (hex + hex).prefix(40).lowercased()
        } else {
            udid = String(profile.udid.prefix(9)) + String(hex.prefix(16))
        }
        let serial = String(hex.suffix(12))
        return profile.withIdentity(udid: udid, serialNumber: serial)
    }
}
