// SPDX-License-Identifier: Apache-2.0
//
// The one error Diagnostics' readers and transports throw, shaped like containerization's
// `ContainerizationError{code, message, cause}` and swift-subprocess's `SubprocessError{code, underlyingError}`: a
// stable code to switch on, the one sentence a consultant reads, and the library's own error underneath.
// Every sentence about a device is written here, once; the wrappers (libusb, lockdown, idevice, the ADB engine,
// sockets) keep their raw codes and hand them over as `underlying`.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why talking to a device did not complete: a code to switch on, one sentence saying what was wrong and what to
/// do, and the low-level error it came from.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable, machine-readable reason. Compare with `==` or `switch` over the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case notFound, deviceGone, stoppedAnswering, timedOut, protocolViolation, refused, notTrusted
            case permissionDenied, busy, unreachable, transportFailed, unavailable, badKey, cancelled
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The device is not connected (usbmuxd does not list it, no such USB device).
        public static let notFound = Code(.notFound)
        /// The device went away (unplugged, or its link closed) while it was being read.
        public static let deviceGone = Code(.deviceGone)
        /// The device is still there but its connection broke or it stopped answering a service.
        public static let stoppedAnswering = Code(.stoppedAnswering)
        /// The device did not answer within the deadline.
        public static let timedOut = Code(.timedOut)
        /// The device sent something its protocol does not allow (a malformed header, plist or checksum).
        public static let protocolViolation = Code(.protocolViolation)
        /// The device refused a request (a lockdown value, an ADB service, a USB control request).
        public static let refused = Code(.refused)
        /// The device has not trusted this bench (the "Allow USB debugging?" prompt is waiting or was declined).
        public static let notTrusted = Code(.notTrusted)
        /// The agent may not open the device (udev rules, group).
        public static let permissionDenied = Code(.permissionDenied)
        /// Another program or driver holds the device.
        public static let busy = Code(.busy)
        /// Nothing answers at the device's network address.
        public static let unreachable = Code(.unreachable)
        /// The link to the device failed in a way no other code names.
        public static let transportFailed = Code(.transportFailed)
        /// The bench cannot reach devices at all (libusb or hotplug does not start).
        public static let unavailable = Code(.unavailable)
        /// The bench's ADB key cannot be read, written or used.
        public static let badKey = Code(.badKey)
        /// Nobody waits for the answer any more.
        public static let cancelled = Code(.cancelled)

        public var description: String { base.rawValue }

        /// Matches a thrown error by its code: `catch DiagnosticsError.Code.deviceGone`.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? DiagnosticsError)?.code == code
        }
    }

    public let code: Code
    /// One sentence: what was wrong and what to do.
    public let message: String
    /// The library's own error (a `LibUSBError`, `LockdownError`, `IDeviceError`, `ADBError`, socket error), if
    /// there was one.
    public let underlying: (any Error)?
    /// Where the error was made, for the log.
    public let file: String
    public let line: Int

    init(_ code: Code, _ message: String, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    public var description: String { message }

    public var debugDescription: String {
        "DiagnosticsError(\(code), \"\(message)\"\(underlying.map { ", underlying: \(String(reflecting: $0))" } ?? ""), \(file):\(line))"
    }

}

// MARK: - The sentences

extension DiagnosticsError {
    /// `step` reads after "while reading": `its battery (com.apple.mobile.diagnostics_relay)`; `nil` is the read
    /// as a whole.
    private static func reading(_ step: String?) -> String { step.map { "while reading \($0)" } ?? "in the middle of the read" }

    /// No iPhone or iPad with this UDID is connected.
    public static func notFound(udid: String, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .notFound,
            "No iPhone or iPad with UDID \(udid) is connected: check the cable, or list the devices with `intake-agent devices`.",
            underlying: underlying, file: file, line: line)
    }

    /// The device went away; the same sentence for an iPhone, an Android phone and a USB device.
    public static func deviceGone(step: String? = nil, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .deviceGone, "The device was unplugged \(reading(step)): plug it back in and read it again.",
            underlying: underlying, file: file, line: line)
    }

    static func stoppedAnswering(step: String?, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .stoppedAnswering, "The device stopped answering \(reading(step)): unplug it, plug it back in and read it again.",
            underlying: underlying, file: file, line: line)
    }

    /// `what` is what did not finish (`reading getprop`); `nil` when the library gives no more than the timeout.
    static func timedOut(_ what: String? = nil, seconds: Double? = nil, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line)
        -> DiagnosticsError
    {
        let message: String
        if let what, let seconds {
            message = "The device did not finish \(what) within \(format(seconds)) s: check it is awake and connected, then try again."
        } else {
            message = "The device did not answer in time: check it is awake, replug it or try another cable or port."
        }
        return DiagnosticsError(.timedOut, message, underlying: underlying, file: file, line: line)
    }

    /// `detail` says what was malformed when the protocol names it (`a bad magic word`).
    static func protocolViolation(step: String? = nil, detail: String? = nil, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line)
        -> DiagnosticsError
    {
        DiagnosticsError(
            .protocolViolation,
            "The device sent a malformed reply \(reading(step))\(detail.map { " (\($0))" } ?? ""): unplug it, plug it back in and read it again.",
            underlying: underlying, file: file, line: line)
    }

    /// `what` is what was refused (`reading its storage`, `the ADB service \`shell:getprop\``).
    static func refused(_ what: String, detail: String? = nil, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line)
        -> DiagnosticsError
    {
        DiagnosticsError(
            .refused,
            "The device refused \(what)\(detail.map { " (\($0))" } ?? ""): it may be restricted on this device; unplug it, plug it back in and read it again.",
            underlying: underlying, file: file, line: line)
    }

    static func notTrusted(underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .notTrusted,
            "The phone has not allowed USB debugging from this bench: unlock it and tap Allow on the \"Allow USB debugging?\" prompt.",
            underlying: underlying, file: file, line: line)
    }

    static func permissionDenied(_ detail: String, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .permissionDenied,
            "The agent may not open this USB device (\(detail)): install udev/51-intake-agent.rules to /etc/udev/rules.d, run "
                + "`udevadm control --reload-rules && udevadm trigger`, add the user to the intake group and replug the device.",
            underlying: underlying, file: file, line: line)
    }

    static func busy(_ detail: String, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .busy,
            "The USB interface is held by another program or driver (\(detail)): stop the other program (for example `adb kill-server`) and retry.",
            underlying: underlying, file: file, line: line)
    }

    static func unreachable(endpoint: String, reason: String, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line)
        -> DiagnosticsError
    {
        DiagnosticsError(
            .unreachable,
            "Could not reach the phone's ADB at \(endpoint) (\(reason)): check the address and that the phone is in `adb tcpip` mode.",
            underlying: underlying, file: file, line: line)
    }

    static func transportFailed(_ detail: String, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(
            .transportFailed, "The connection to the device failed (\(detail)): check the cable, replug the device and try again.",
            underlying: underlying, file: file, line: line)
    }

    static func badKey(_ sentence: String, underlying: (any Error)? = nil, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(.badKey, sentence, underlying: underlying, file: file, line: line)
    }

    /// A Samsung modem's tty that cannot be opened, by what `open(2)` said.
    static func modemUnopened(_ path: String, errno code: Int32, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        let underlying = posix(code)
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT, ENODEV, ENXIO:
            return DiagnosticsError(
                .notFound, "No modem is at \(path) (\(reason)): check the cable and list the phones with `intake-agent devices`.",
                underlying: underlying, file: file, line: line)
        case EACCES, EPERM:
            return permissionDenied("the modem \(path): \(reason)", underlying: underlying, file: file, line: line)
        case EBUSY:
            return busy("the modem \(path): \(reason)", underlying: underlying, file: file, line: line)
        default:
            return transportFailed("the modem \(path): \(reason)", underlying: underlying, file: file, line: line)
        }
    }

    /// errno as the underlying error.
    static func posix(_ code: Int32) -> (any Error)? { POSIXErrorCode(rawValue: code).map { POSIXError($0) } }

    static func cancelled(file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        DiagnosticsError(.cancelled, "The read was cancelled before it finished: read the device again.", file: file, line: line)
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
