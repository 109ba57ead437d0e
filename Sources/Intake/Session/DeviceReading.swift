// SPDX-License-Identifier: Apache-2.0
public import Diagnostics
public import IntakeStore

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
    /// Whether the device is still on the bench now: asked just before a certificate is issued, so that a phone
    /// unplugged while the consultant answered never gets one even when the departure event was missed. `nil` when
    /// this link cannot tell (a TCP link has no plug).
    func isConnected() async -> Bool?
    /// Returns when the device leaves the bench (or at once when it is already gone); a terminal session watches
    /// it while it asks. Returns `nil` at once when this link has no departure to watch.
    func departure() async -> Void?
}

extension DeviceReading {
    public func isConnected() async -> Bool? { nil }
    public func departure() async -> Void? { nil }
}

/// A reader whose device can be erased over its link (``CounterErasure``): an iPhone through MCInstall, an
/// Android phone in Trade-In Mode through `tradeinmode evaluate`.
public protocol DeviceErasing: Sendable {
    /// Erases the certificate's device and says what to record; `progress` gets the time waited for its return.
    func erase(certificate: Certificate, settings: ErasureSettings, progress: @escaping @Sendable (Duration) -> Void) async
        -> ErasureAttempt
}

/// A read that ended without a report and without a reader error to say why (the reader was cancelled).
public struct ReadStopped: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ sentence: String) { description = sentence }
}
