// SPDX-License-Identifier: Apache-2.0
//
// lockdownd's error codes as libimobiledevice 1.3.0 maps them from the device's `Error` strings (`lockdown.c`).

import CIMobileDevice

/// A `lockdownd_error_t` from libimobiledevice.
public struct LockdownError: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The corresponding C error is `LOCKDOWN_E_PLIST_ERROR`: the reply was not a property list.
    public static let plistError = LockdownError(rawValue: LOCKDOWN_E_PLIST_ERROR.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_PAIRING_FAILED`.
    public static let pairingFailed = LockdownError(rawValue: LOCKDOWN_E_PAIRING_FAILED.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_SSL_ERROR`.
    public static let ssl = LockdownError(rawValue: LOCKDOWN_E_SSL_ERROR.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_RECEIVE_TIMEOUT`.
    public static let receiveTimeout = LockdownError(rawValue: LOCKDOWN_E_RECEIVE_TIMEOUT.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_MUX_ERROR`: the connection through usbmuxd failed or broke.
    public static let muxError = LockdownError(rawValue: LOCKDOWN_E_MUX_ERROR.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_MISSING_VALUE`: the device has no such value.
    public static let missingValue = LockdownError(rawValue: LOCKDOWN_E_MISSING_VALUE.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_GET_PROHIBITED`: the value needs a paired session.
    public static let getProhibited = LockdownError(rawValue: LOCKDOWN_E_GET_PROHIBITED.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_PASSWORD_PROTECTED`: the phone is locked with its passcode.
    public static let passwordProtected = LockdownError(rawValue: LOCKDOWN_E_PASSWORD_PROTECTED.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_USER_DENIED_PAIRING`: the owner tapped Don't Trust.
    public static let userDeniedPairing = LockdownError(rawValue: LOCKDOWN_E_USER_DENIED_PAIRING.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_PAIRING_DIALOG_RESPONSE_PENDING`: the Trust dialog is showing.
    public static let pairingDialogResponsePending = LockdownError(rawValue: LOCKDOWN_E_PAIRING_DIALOG_RESPONSE_PENDING.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_INVALID_HOST_ID`: the device no longer trusts this host's record.
    public static let invalidHostID = LockdownError(rawValue: LOCKDOWN_E_INVALID_HOST_ID.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_SESSION_INACTIVE`.
    public static let sessionInactive = LockdownError(rawValue: LOCKDOWN_E_SESSION_INACTIVE.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_INVALID_SERVICE`: the device does not offer the service.
    public static let invalidService = LockdownError(rawValue: LOCKDOWN_E_INVALID_SERVICE.rawValue)
    /// The corresponding C error is `LOCKDOWN_E_UNKNOWN_ERROR`.
    public static let unknown = LockdownError(rawValue: LOCKDOWN_E_UNKNOWN_ERROR.rawValue)

    /// `nil` for `LOCKDOWN_E_SUCCESS`: success is never an error value.
    init?(_ code: lockdownd_error_t) {
        guard code != LOCKDOWN_E_SUCCESS else { return nil }
        self.init(rawValue: code.rawValue)
    }

    /// libimobiledevice's own text. The corresponding C function is `lockdownd_strerror`.
    public var description: String {
        guard let text = lockdownd_strerror(lockdownd_error_t(rawValue: rawValue)) else { return "lockdown error \(rawValue)" }
        return String(cString: text)
    }

}
