// SPDX-License-Identifier: Apache-2.0
//
// One usbmuxd simulator for every in-process iOS test. libusbmuxd reads USBMUXD_SOCKET_ADDRESS from the process
// environment on each connection, so tests running in parallel cannot each point it somewhere else; they share
// this simulator instead and each plugs in devices with UDIDs of its own, so they never see each other's state.

import DeviceSimulators
import Foundation

enum SharedUSBMuxSimulator {
    /// Started on first use; the environment is set before any libusbmuxd call of the test process. It is the
    /// process-wide one, so IntakeTests' end-to-end sessions share it too.
    static var shared: USBMuxSimulator { USBMuxSimulator.processShared }

    /// `profile` with a UDID and serial number no other test uses, in the profile's UDID format.
    static func unique(_ profile: SimulatedIOSDevice) -> SimulatedIOSDevice { profile.withFreshIdentity() }
}
