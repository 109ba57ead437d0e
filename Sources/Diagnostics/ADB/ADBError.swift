// SPDX-License-Identifier: Apache-2.0

/// What went wrong talking ADB to a phone, as our ADB engine names it. This is the engine's raw code, kept as the
/// ``DiagnosticsError/underlying`` of the sentence a consultant reads: ``ADBConnection`` and the transports throw
/// ``DiagnosticsError`` (see `DiagnosticsError.init(_: ADBError)`); the packet layer and the simulators use this.
public enum ADBError: Error, Sendable, Hashable, CustomStringConvertible {
    case connectFailed(endpoint: String, reason: String)
    case malformedHeader(String)
    case badMagic
    case badChecksum
    case oversizePayload(length: Int, maximum: Int)
    case protocolViolation(String)
    case disconnected
    case timedOut(what: String, seconds: Double)
    /// The phone has not accepted our key: "Allow USB debugging?" is waiting on its screen, or was declined.
    case unauthorized
    case serviceRefused(String)
    /// The USB transfer under the ADB link failed with libusb's code.
    case usb(LibUSBError)
    case transport(String)

    /// What happened, for logs and the `underlying` of a ``DiagnosticsError``.
    public var description: String {
        switch self {
        case .connectFailed(let endpoint, let reason): "connect to \(endpoint) failed: \(reason)"
        case .malformedHeader(let what): "malformed ADB message header: \(what)"
        case .badMagic: "ADB message with a bad magic word"
        case .badChecksum: "ADB payload checksum mismatch"
        case .oversizePayload(let length, let maximum): "ADB payload of \(length) bytes over the negotiated maximum of \(maximum)"
        case .protocolViolation(let what): "ADB protocol violation: \(what)"
        case .disconnected: "ADB link closed"
        case .timedOut(let what, let seconds): "\(what) timed out after \(seconds) s"
        case .unauthorized: "ADB key not allowed"
        case .serviceRefused(let service): "ADB service refused: \(service)"
        case .usb(let error): "USB: \(error)"
        case .transport(let what): "ADB transport: \(what)"
        }
    }
}
