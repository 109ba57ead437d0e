// SPDX-License-Identifier: Apache-2.0
//
// Reading one iPhone or iPad from plug-in to facts: the public identity at once, the pairing state as it
// changes (retried on its own while the device stays plugged in), then every fact through one session.

public import Logging
import Synchronization

/// How an iOS read behaves.
public struct IOSReadOptions: Sendable {
    /// The deadline of each step (connect, identity, pairing, session, each domain, each service).
    public var stepTimeout: Duration
    /// The deadline of a Pair request: libimobiledevice generates two RSA keys and three certificates for it,
    /// which takes seconds on a busy bench box.
    public var pairingTimeout: Duration
    /// How often pairing is tried again while the phone waits for Trust, is locked or said Don't Trust.
    public var pairingRetryInterval: Duration
    /// How long to keep asking for Trust before reporting the pairing state as it is; `nil`: as long as the
    /// device stays plugged in.
    public var trustWait: Duration?

    public init(
        stepTimeout: Duration = .seconds(10), pairingTimeout: Duration = .seconds(30), pairingRetryInterval: Duration = .seconds(2),
        trustWait: Duration? = .zero
    ) {
        self.stepTimeout = stepTimeout
        self.pairingTimeout = pairingTimeout
        self.pairingRetryInterval = pairingRetryInterval
        self.trustWait = trustWait
    }
}

/// What a session reports, in order: `identity` (once), `pairing` (each change), `finished` (last).
public enum IOSSessionEvent: Sendable {
    /// The public identity (ProductType, ProductVersion, DeviceClass, UDID), known before pairing.
    case identity(IOSDeviceFacts)
    case pairing(IOSPairingState)
    case finished(IOSReadResult)
}

/// The end of a read: every fact the device gave, and why the read stopped early if it did.
public struct IOSReadResult: Sendable {
    public var facts: IOSDeviceFacts
    public var failure: DiagnosticsError?

    /// The `inspect --json` report (without `model.name`, which comes from the catalog).
    public var report: DeviceReport { facts.report(advice: failure?.message) }
    /// Paired and every mandatory fact read.
    public var isComplete: Bool { failure == nil && facts.pairing == .paired }
}

/// One device's read as an `AsyncSequence` of ``IOSSessionEvent``s. Cancelling the consumer abandons the read.
public struct IOSDeviceSession: AsyncSequence, Sendable {
    public typealias Element = IOSSessionEvent
    public let udid: String
    public let options: IOSReadOptions
    let logger: Logger

    /// `udid` as usbmuxd lists it (``IOSDeviceHandle/udid``).
    public init(udid: String, options: IOSReadOptions = IOSReadOptions(), logger: Logger) {
        self.udid = udid
        self.options = options
        var logger = logger
        logger[metadataKey: "device.udid"] = "\(udid)"
        self.logger = logger
    }

    public func makeAsyncIterator() -> AsyncStream<IOSSessionEvent>.Iterator {
        let (stream, continuation) = AsyncStream.makeStream(of: IOSSessionEvent.self)
        let task = Task { [self] in
            await run(continuation)
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream.makeAsyncIterator()
    }

    /// Reads the device to the end and returns the result, ignoring the intermediate events.
    public static func read(udid: String, options: IOSReadOptions = IOSReadOptions(), logger: Logger) async -> IOSReadResult {
        for await event in IOSDeviceSession(udid: udid, options: options, logger: logger) {
            if case .finished(let result) = event { return result }
        }
        return IOSReadResult(facts: IOSDeviceFacts(udid: udid), failure: .cancelled())
    }

    private func run(_ events: AsyncStream<IOSSessionEvent>.Continuation) async {
        let clock = ContinuousClock()
        let start = clock.now
        // The identity goes out from the reading thread the moment it is read, so a consumer can refuse an
        // ineligible model before pairing; once per session.
        let identitySent = Mutex(false)
        let announce: @Sendable (IOSDeviceFacts) -> Void = { facts in
            guard facts.productType != nil else { return }
            let first = identitySent.withLock { sent -> Bool in
                defer { sent = true }
                return !sent
            }
            if first { events.yield(.identity(facts)) }
        }
        var lastState: IOSPairingState?
        var attempts = 0
        var lastFacts: IOSDeviceFacts?
        while true {
            attempts += 1
            var result = await attempt(announce)
            if attempts > 1, result.failure?.code == .notFound {
                // Gone while we waited for Trust: report what the earlier attempts learned.
                result = IOSReadResult(facts: lastFacts ?? result.facts, failure: .deviceGone(step: "the pairing"))
            }
            lastFacts = result.facts
            if let state = result.facts.pairing, state != lastState {
                lastState = state
                logger.info("iOS pairing state", metadata: ["ios.pairing": "\(state.rawValue)"])
                events.yield(.pairing(state))
            }
            let waitedEnough = options.trustWait.map { clock.now - start >= $0 } ?? false
            if result.failure != nil || result.facts.pairing == .paired || result.facts.pairing == nil || waitedEnough {
                if let failure = result.failure {
                    logger.info("iOS read stopped", metadata: ["ios.failure": "\(failure.code)", "ios.underlying": "\(failure.underlying.map { "\($0)" } ?? "")"])
                }
                events.yield(.finished(result))
                return
            }
            do {
                try await Task.sleep(for: options.pairingRetryInterval)
            } catch {
                events.yield(.finished(IOSReadResult(facts: result.facts, failure: .cancelled())))
                return
            }
        }
    }

    /// One attempt on its own thread, bounded by the step deadlines.
    private func attempt(_ announce: @escaping @Sendable (IOSDeviceFacts) -> Void) async -> IOSReadResult {
        let box = IOSFactsBox(udid: udid, onIdentity: announce)
        let udid = self.udid
        let pairingTimeout = options.pairingTimeout
        let outcome = await BlockingWork.run(name: "ios read \(udid)", stepTimeout: options.stepTimeout) {
            (clock: StepClock<IOSReadAttempt>) in
            IOSLockdownReader.attempt(udid: udid, box: box, clock: clock, pairingTimeout: pairingTimeout)
        }
        switch outcome {
        case .finished(let attempt):
            return IOSReadResult(facts: attempt.facts, failure: attempt.failure)
        case .timedOut(let step):
            let attached = await IOSMux.devices().contains { $0.udid == udid }
            return IOSReadResult(facts: box.snapshot, failure: attached ? .stoppedAnswering(step: step) : .deviceGone(step: step))
        case .cancelled:
            return IOSReadResult(facts: box.snapshot, failure: .cancelled())
        }
    }
}
