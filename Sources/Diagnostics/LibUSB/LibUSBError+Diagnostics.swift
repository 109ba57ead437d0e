// SPDX-License-Identifier: Apache-2.0

extension DiagnosticsError {
    /// The sentence for a libusb error, with the error kept as `underlying`.
    public init(_ usb: LibUSBError, file: String = #fileID, line: Int = #line) {
        switch usb {
        case LibUSBError.access: self = .permissionDenied(usb.name, underlying: usb, file: file, line: line)
        case LibUSBError.noDevice: self = .deviceGone(underlying: usb, file: file, line: line)
        case LibUSBError.timeout: self = .timedOut(underlying: usb, file: file, line: line)
        case LibUSBError.busy: self = .busy(usb.name, underlying: usb, file: file, line: line)
        case LibUSBError.pipe: self = .refused("the USB request", detail: usb.name, underlying: usb, file: file, line: line)
        default: self = .transportFailed("\(usb)", underlying: usb, file: file, line: line)
        }
    }

    /// libusb did not start.
    static func usbUnavailable(_ usb: LibUSBError, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .unavailable, "libusb could not start (\(usb.name)): check that /dev/bus/usb exists and run `intake-agent doctor`.",
            underlying: usb, file: file, line: line)
    }

    /// libusb cannot deliver hotplug events.
    static func hotplugUnavailable(_ usb: LibUSBError, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .unavailable,
            "USB hotplug is not available (\(usb.name)): the agent needs udev or netlink access (AF_NETLINK, see systemd/intake-agent.service).",
            underlying: usb, file: file, line: line)
    }
}
