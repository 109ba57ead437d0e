// SPDX-License-Identifier: Apache-2.0
//
// libimobiledevice's device-level error codes, kept as their raw value (swift-system's `Errno` shape): unknown
// codes stay what they were, nothing is folded into an "other".

import CIMobileDevice

/// An `idevice_error_t` from libimobiledevice.
public struct IDeviceError: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The corresponding C error is `IDEVICE_E_INVALID_ARG`.
    public static let invalidArgument = IDeviceError(rawValue: IDEVICE_E_INVALID_ARG.rawValue)
    /// The corresponding C error is `IDEVICE_E_UNKNOWN_ERROR`.
    public static let unknown = IDeviceError(rawValue: IDEVICE_E_UNKNOWN_ERROR.rawValue)
    /// The corresponding C error is `IDEVICE_E_NO_DEVICE`: usbmuxd does not list the device (or is not running).
    public static let noDevice = IDeviceError(rawValue: IDEVICE_E_NO_DEVICE.rawValue)
    /// The corresponding C error is `IDEVICE_E_NOT_ENOUGH_DATA`.
    public static let notEnoughData = IDeviceError(rawValue: IDEVICE_E_NOT_ENOUGH_DATA.rawValue)
    /// The corresponding C error is `IDEVICE_E_SSL_ERROR`.
    public static let ssl = IDeviceError(rawValue: IDEVICE_E_SSL_ERROR.rawValue)
    /// The corresponding C error is `IDEVICE_E_TIMEOUT`.
    public static let timeout = IDeviceError(rawValue: IDEVICE_E_TIMEOUT.rawValue)

    /// `nil` for `IDEVICE_E_SUCCESS`: success is never an error value.
    init?(_ code: idevice_error_t) {
        guard code != IDEVICE_E_SUCCESS else { return nil }
        self.init(rawValue: code.rawValue)
    }

    public var description: String {
        switch rawValue {
        case IDEVICE_E_INVALID_ARG.rawValue: "invalid argument"
        case IDEVICE_E_UNKNOWN_ERROR.rawValue: "unknown error"
        case IDEVICE_E_NO_DEVICE.rawValue: "no such device"
        case IDEVICE_E_NOT_ENOUGH_DATA.rawValue: "not enough data"
        case IDEVICE_E_SSL_ERROR.rawValue: "TLS error"
        case IDEVICE_E_TIMEOUT.rawValue: "timed out"
        default: "idevice error \(rawValue)"
        }
    }

}
