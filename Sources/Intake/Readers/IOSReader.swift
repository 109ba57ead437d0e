// SPDX-License-Identifier: Apache-2.0
public import Diagnostics
public import Logging
public import IntakeStore

/// An iPhone or iPad read through libimobiledevice, as a session's `DeviceReading`: the public identity first,
/// each pairing change as progress (Trust dialog, passcode, denied), then the report.
public struct IOSReader: DeviceReading {
    public let udid: String
    public let options: IOSReadOptions
    let logger: Logger

    public init(udid: String, options: IOSReadOptions = IOSReadOptions(trustWait: .seconds(120)), logger: Logger) {
        self.udid = udid
        self.options = options
        self.logger = logger
    }

    public var label: String { "iOS \(udid)" }

    public func read(progress: @escaping @Sendable (ReadProgress) -> Void) async throws -> DeviceReport {
        var lastPairing: IOSPairingState?
        for await event in IOSDeviceSession(udid: udid, options: options, logger: logger) {
            switch event {
            case .identity(let facts):
                progress(.identified(identifier: facts.productType))
            case .pairing(let state):
                defer { lastPairing = state }
                if state == .paired {
                    if lastPairing != nil && lastPairing != .paired { progress(.authorized) }
                } else if state != lastPairing {
                    progress(.authorizationNeeded(pairing: state.rawValue, advice: state.advice ?? "Unlock the phone and tap Trust."))
                }
            case .finished(let result):
                if let failure = result.failure, result.facts.pairing == .paired || result.facts.pairing == nil {
                    throw failure
                }
                return result.report
            }
        }
        throw ReadStopped("The read of \(label) ended without a result: unplug the device and plug it in again.")
    }
}

extension IOSReader: DeviceErasing {
    public func erase(certificate: Certificate, settings: ErasureSettings, progress: @escaping @Sendable (Duration) -> Void) async
        -> ErasureAttempt
    {
        await CounterErasure.eraseIOS(udid: udid, certificate: certificate, settings: settings, progress: progress)
    }
}
