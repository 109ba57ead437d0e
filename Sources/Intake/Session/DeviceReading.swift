// SPDX-License-Identifier: Apache-2.0
public import Diagnostics

/// What a platform reader tells a session while it reads, before the report is complete.
public enum ReadProgress: Sendable, Hashable {
    /// The model is known from the public identity or the USB descriptors.
    case identified(identifier: String?)
    /// The phone waits for the consultant (Trust / Allow USB debugging); `advice` is one sentence to show.
    case authorizationNeeded(pairing: String, advice: String)
    case authorized
}

/// One device's platform reader, as a session sees it. The iOS and Android readers of `Diagnostics` conform
/// through small adapters in this module.
public protocol DeviceReading: Sendable {
    /// How the consultant knows the device in progress lines ("iPhone 00008030-…", "Android 127.0.0.1:5555").
    var label: String { get }
    /// Reads everything a trade-in decision needs. A device that is still unauthorized when the reader gives up
    /// returns a report whose `pairing` says so, with `advice`; a device that stopped answering throws.
    func read(progress: @escaping @Sendable (ReadProgress) -> Void) async throws -> DeviceReport
}

/// A read that ended without a report and without a reader error to say why (the reader was cancelled).
public struct ReadStopped: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ sentence: String) { description = sentence }
}
