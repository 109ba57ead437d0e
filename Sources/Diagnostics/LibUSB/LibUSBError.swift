// SPDX-License-Identifier: Apache-2.0
import CUSB

/// A libusb error: libusb's own code, kept as the ``DiagnosticsError/underlying`` of the sentence a user reads.
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

    /// libusb's name and text for the code (`LIBUSB_ERROR_ACCESS: Access denied (insufficient permissions)`), for
    /// logs; the sentence a user reads is ``DiagnosticsError/init(_:file:line:)``'s. The corresponding C function is
    /// `libusb_strerror`.
    public var description: String { "\(name): \(String(cString: libusb_strerror(rawValue)))" }

    public static func ~= (match: LibUSBError, error: any Error) -> Bool {
        (error as? LibUSBError) == match
    }
}
