// SPDX-License-Identifier: Apache-2.0
import Foundation

/// What went wrong talking ADB to a phone. Every case reads as one sentence for the consultant: what was wrong
/// and what to do.
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
    case transport(String)

    public var description: String {
        switch self {
        case .connectFailed(let endpoint, let reason):
            return "Could not reach the phone's ADB at \(endpoint) (\(reason)); check the address and that the phone is in `adb tcpip` mode."
        case .malformedHeader(let what):
            return "The phone sent a malformed ADB message header (\(what)); unplug it, plug it back in and try again."
        case .badMagic:
            return "The phone sent an ADB message with a bad magic word; unplug it, plug it back in and try again."
        case .badChecksum:
            return "The phone sent an ADB message whose payload checksum was wrong; try another cable or port."
        case .oversizePayload(let length, let maximum):
            return "The phone sent an ADB payload of \(length) bytes, over the negotiated maximum of \(maximum); unplug it, plug it back in and try again."
        case .protocolViolation(let what):
            return "The phone broke the ADB protocol (\(what)); unplug it, plug it back in and try again."
        case .disconnected:
            return "The phone disconnected in the middle of the read; plug it back in and run the read again."
        case .timedOut(let what, let seconds):
            return "The phone did not finish \(what) within \(Self.format(seconds)) s; check it is awake and connected, then try again."
        case .unauthorized:
            return "The phone has not allowed USB debugging from this bench; unlock it and tap Allow on the \"Allow USB debugging?\" prompt."
        case .serviceRefused(let service):
            return "The phone refused the ADB service `\(service)`; it may be restricted on this phone."
        case .transport(let what):
            return "The connection to the phone failed (\(what)); check the cable and try again."
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
