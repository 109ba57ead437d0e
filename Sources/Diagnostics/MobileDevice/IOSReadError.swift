// SPDX-License-Identifier: Apache-2.0

/// Why reading an iPhone or iPad did not complete, with one sentence saying what was wrong and what to do.
public struct IOSReadError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String { case notFound, unplugged, stoppedAnswering, malformedReply, failed, cancelled }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// usbmuxd does not list the device.
        public static let notFound = Code(.notFound)
        /// The device went away during the read.
        public static let unplugged = Code(.unplugged)
        /// The device (or one of its services) did not answer within the deadline, or the connection broke.
        public static let stoppedAnswering = Code(.stoppedAnswering)
        /// The device answered with something that is not a well-formed property list.
        public static let malformedReply = Code(.malformedReply)
        /// lockdownd refused or failed a request.
        public static let failed = Code(.failed)
        /// Nobody waits for the read any more.
        public static let cancelled = Code(.cancelled)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// One sentence: what was wrong and what to do.
    public let message: String
    /// What was being read (`its battery (com.apple.mobile.diagnostics_relay)`...).
    public let step: String?
    /// The library's error, when there was one.
    public let underlying: LockdownError?

    public var description: String { message }

    static func notFound(udid: String) -> IOSReadError {
        IOSReadError(
            code: .notFound, message: "No iPhone or iPad with UDID \(udid) is connected: check the cable and the UDID.",
            step: nil, underlying: nil)
    }

    static func unplugged(step: String) -> IOSReadError {
        IOSReadError(
            code: .unplugged, message: "The device was unplugged while reading \(step): plug it back in and read it again.",
            step: step, underlying: nil)
    }

    static func stoppedAnswering(step: String, underlying: LockdownError? = nil) -> IOSReadError {
        IOSReadError(
            code: .stoppedAnswering,
            message: "The device stopped answering while reading \(step): unplug it, plug it back in and read it again.",
            step: step, underlying: underlying)
    }

    static func malformedReply(step: String) -> IOSReadError {
        IOSReadError(
            code: .malformedReply,
            message: "The device sent a malformed reply while reading \(step): unplug it, plug it back in and read it again.",
            step: step, underlying: .plistError)
    }

    static func failed(step: String, _ error: LockdownError) -> IOSReadError {
        IOSReadError(
            code: .failed,
            message: "The device refused reading \(step) (\(error)): unplug it, plug it back in and read it again.",
            step: step, underlying: error)
    }

    static let cancelled = IOSReadError(
        code: .cancelled, message: "The read was cancelled before it finished: read the device again.", step: nil, underlying: nil)
}
