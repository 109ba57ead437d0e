// SPDX-License-Identifier: Apache-2.0
import Foundation

extension USBMuxSimulator {
    /// The one simulator a test process shares. libusbmuxd reads `USBMUXD_SOCKET_ADDRESS` from the process
    /// environment on each connection, so code running in parallel in one process cannot each point it somewhere
    /// else; every in-process user (all test targets run in one process) plugs devices with UDIDs of its own into
    /// this one. Started on first use, with the environment set before it is returned.
    public static let processShared: USBMuxSimulator = {
        do {
            let simulator = try USBMuxSimulator.start()
            setenv("USBMUXD_SOCKET_ADDRESS", simulator.socketAddress, 1)
            return simulator
        } catch {
            fatalError("The usbmuxd simulator could not start on a temporary UNIX socket: \(error)")
        }
    }()
}

extension SimulatedIOSDevice {
    /// This profile with a UDID and serial number nobody else uses, in the profile's UDID format (40 hex digits
    /// before the iPhone XS, `XXXXXXXX-XXXXXXXXXXXXXXXX` after), so parallel users of one simulator never meet.
    public func withFreshIdentity() -> SimulatedIOSDevice {
        let hex = UUID().uuidString.replacingOccurrences(of: "-", with: "").uppercased()
        let newUDID = udid.count == 40 ? String((hex + hex).prefix(40)).lowercased() : String(udid.prefix(9)) + String(hex.prefix(16))
        return withIdentity(udid: newUDID, serialNumber: String(hex.suffix(12)))
    }
}
