// SPDX-License-Identifier: Apache-2.0
import CUSB

/// A libusb error: libusb's own code and one sentence saying what went wrong and what to do.
///
/// Shaped like swift-system's `Errno`: unknown codes keep their raw value, success is never an error, and
/// `catch LibUSBError.noDevice` works through `~=`.
public struct LibUSBError: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// libusb's error code (a negative `LIBUSB_ERROR_*` value).
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Input/output error. The corresponding C error is `LIBUSB_ERROR_IO`.
    public static let io = LibUSBError(rawValue: -1)
    /// Invalid parameter. The corresponding C error is `LIBUSB_ERROR_INVALID_PARAM`.
    public static let invalidParameter = LibUSBError(rawValue: -2)
    /// Access denied (insufficient permissions). The corresponding C error is `LIBUSB_ERROR_ACCESS`.
    public static let access = LibUSBError(rawValue: -3)
    /// The device was unplugged. The corresponding C error is `LIBUSB_ERROR_NO_DEVICE`.
    public static let noDevice = LibUSBError(rawValue: -4)
    /// Entity not found. The corresponding C error is `LIBUSB_ERROR_NOT_FOUND`.
    public static let notFound = LibUSBError(rawValue: -5)
    /// Resource busy (another program or a kernel driver holds the interface). The corresponding C error is
    /// `LIBUSB_ERROR_BUSY`.
    public static let busy = LibUSBError(rawValue: -6)
    /// The operation timed out. The corresponding C error is `LIBUSB_ERROR_TIMEOUT`.
    public static let timeout = LibUSBError(rawValue: -7)
    /// The device sent more data than asked for. The corresponding C error is `LIBUSB_ERROR_OVERFLOW`.
    public static let overflow = LibUSBError(rawValue: -8)
    /// The endpoint stalled or the request is not supported. The corresponding C error is `LIBUSB_ERROR_PIPE`.
    public static let pipe = LibUSBError(rawValue: -9)
    /// A system call was interrupted. The corresponding C error is `LIBUSB_ERROR_INTERRUPTED`.
    public static let interrupted = LibUSBError(rawValue: -10)
    /// Out of memory. The corresponding C error is `LIBUSB_ERROR_NO_MEM`.
    public static let noMemory = LibUSBError(rawValue: -11)
    /// Not supported on this platform. The corresponding C error is `LIBUSB_ERROR_NOT_SUPPORTED`.
    public static let notSupported = LibUSBError(rawValue: -12)
    /// Another error. The corresponding C error is `LIBUSB_ERROR_OTHER`.
    public static let other = LibUSBError(rawValue: -99)

    /// Turns a libusb return value into an error, or `nil` for success (any value ≥ 0).
    init?(_ result: Int32) {
        guard result < 0 else { return nil }
        self.init(rawValue: result)
    }

    /// Throws when `result` is a libusb error, else returns it (a count or zero).
    @discardableResult
    static func check(_ result: Int32) throws(LibUSBError) -> Int32 {
        if let error = LibUSBError(result) { throw error }
        return result
    }

    /// libusb's short name for the code, such as `LIBUSB_ERROR_ACCESS`. The corresponding C function is
    /// `libusb_error_name`.
    public var name: String { String(cString: libusb_error_name(rawValue)) }

    /// One sentence: what went wrong and what to do about it.
    public var description: String {
        switch self {
        case .access:
            return "The agent may not open this USB device (\(name)): install udev/51-intake-agent.rules to "
                + "/etc/udev/rules.d, run `udevadm control --reload-rules && udevadm trigger`, add the user to "
                + "the intake group and replug the device."
        case .noDevice:
            return "The USB device was unplugged (\(name)): plug it in again and retry."
        case .timeout:
            return "The USB device did not answer in time (\(name)): replug it or try another cable or port."
        case .busy:
            return "The USB interface is held by another program or driver (\(name)): stop the other program "
                + "(for example `adb kill-server`) and retry."
        case .pipe:
            return "The USB device refused the request (\(name)): it may not support it; replug and retry."
        default:
            let text = String(cString: libusb_strerror(rawValue))
            return "USB error \(name) (\(text)): replug the device and retry."
        }
    }

    public static func ~= (match: LibUSBError, error: any Error) -> Bool {
        (error as? LibUSBError) == match
    }
}
