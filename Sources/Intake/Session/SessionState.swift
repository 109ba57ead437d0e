// SPDX-License-Identifier: Apache-2.0

/// Where one intake session stands. The raw values are what the console, the audit log and `--json` output
/// carry: add states freely, rename none.
public enum SessionState: String, Sendable, Hashable, Codable, CaseIterable {
    /// The device is on the bench; nothing has been read yet.
    case detected
    /// The model is known (public identity before pairing, or the USB descriptors).
    case identified
    /// The phone waits for the consultant: "Trust this computer" (iOS) or "Allow USB debugging" (Android).
    case awaitingAuthorization = "awaiting_authorization"
    /// Reading identity, locks, accounts and battery.
    case reading
    /// Automatic checks are filled in; the consultant's answers are pending.
    case checklist
    /// Grade and offer computed.
    case graded
    case offerAccepted = "offer_accepted"
    case offerDeclined = "offer_declined"
    case certificateIssued = "certificate_issued"
    case printed
    /// The program refuses the device or the holder; the reasons are in the session.
    case refused
    /// Unplugged before a certificate was issued, or stopped by the daemon's shutdown.
    case cancelled

    /// A session in one of these states does nothing more.
    public var isFinal: Bool {
        switch self {
        case .offerDeclined, .printed, .refused, .cancelled: true
        default: false
        }
    }

    /// Once a certificate exists, unplugging the phone no longer cancels anything.
    public var holdsCertificate: Bool { self == .certificateIssued || self == .printed }
}

/// What happens to a session. Each event moves it along `SessionState`'s graph or is refused as out of order.
public enum SessionEvent: Sendable, Hashable {
    case identified(model: String)
    case authorizationNeeded(advice: String)
    case authorized
    case readStarted
    case readCompleted
    case answersPending
    case graded(offerKZT: Int)
    case offerAccepted
    case offerDeclined
    case certificateIssued(number: String)
    case printed
    case refused(reasons: [String])
    case unplugged
    case replugged

    /// A short name for logs and the audit trail.
    public var name: String {
        switch self {
        case .identified: "identified"
        case .authorizationNeeded: "authorization_needed"
        case .authorized: "authorized"
        case .readStarted: "read_started"
        case .readCompleted: "read_completed"
        case .answersPending: "answers_pending"
        case .graded: "graded"
        case .offerAccepted: "offer_accepted"
        case .offerDeclined: "offer_declined"
        case .certificateIssued: "certificate_issued"
        case .printed: "printed"
        case .refused: "refused"
        case .unplugged: "unplugged"
        case .replugged: "replugged"
        }
    }
}

/// The session graph as one pure function, so every transition is explicit and testable.
public struct SessionMachine: Sendable, Hashable {
    public private(set) var state: SessionState
    /// The state a replug resumes from, kept while the device is away.
    public private(set) var suspendedFrom: SessionState?
    public private(set) var refusalReasons: [String] = []

    public init(state: SessionState = .detected) {
        self.state = state
    }

    public struct OutOfOrder: Error, CustomStringConvertible, Hashable {
        public let state: SessionState
        public let event: String
        public var description: String {
            "The session cannot take '\(event)' while it is \(state.rawValue); start a new session for this device."
        }
    }

    /// Applies `event`, returning the new state, or throws `OutOfOrder` and leaves the state as it was.
    @discardableResult
    public mutating func apply(_ event: SessionEvent) throws(OutOfOrder) -> SessionState {
        guard let next = next(after: event) else { throw OutOfOrder(state: state, event: event.name) }
        switch event {
        case .refused(let reasons): refusalReasons = reasons
        case .unplugged where next == .cancelled: suspendedFrom = state
        case .replugged: suspendedFrom = nil
        default: break
        }
        state = next
        return next
    }

    private func next(after event: SessionEvent) -> SessionState? {
        // Refusal can end any live session that does not yet hold a certificate.
        if case .refused = event { return state.isFinal || state.holdsCertificate ? nil : .refused }
        switch (state, event) {
        case (.detected, .identified): return .identified
        case (.detected, .authorizationNeeded), (.identified, .authorizationNeeded): return .awaitingAuthorization
        case (.awaitingAuthorization, .authorizationNeeded): return .awaitingAuthorization
        case (.awaitingAuthorization, .authorized): return .identified
        case (.awaitingAuthorization, .identified): return .awaitingAuthorization
        case (.identified, .identified): return .identified
        case (.detected, .readStarted), (.identified, .readStarted): return .reading
        case (.reading, .authorizationNeeded): return .awaitingAuthorization
        // Readers learn the model while they read (iOS from the public identity, Android from the props).
        case (.reading, .identified): return .reading
        case (.reading, .readCompleted): return .checklist
        case (.identified, .answersPending), (.checklist, .answersPending): return .checklist
        case (.checklist, .graded), (.graded, .graded): return .graded
        // The consultant went back: from the offer to an answer before it, or from the holder to the offer.
        case (.graded, .answersPending): return .checklist
        case (.offerAccepted, .graded): return .graded
        case (.graded, .offerAccepted): return .offerAccepted
        case (.graded, .offerDeclined): return .offerDeclined
        case (.offerAccepted, .certificateIssued): return .certificateIssued
        case (.certificateIssued, .printed), (.printed, .printed): return .printed
        // Unplugging before a certificate cancels; after, the session simply goes on (printing needs no phone).
        case (let s, .unplugged) where s.holdsCertificate: return s
        case (let s, .unplugged) where !s.isFinal: return .cancelled
        case (.cancelled, .replugged): return suspendedFrom.map(Self.resumePoint(for:))
        case (let s, .replugged) where s.holdsCertificate: return s
        default: return nil
        }
    }

    /// A replugged phone is read again (the data may have changed, e.g. an account was removed), but answers
    /// already given and an accepted offer are kept by the session that owns this machine.
    private static func resumePoint(for state: SessionState) -> SessionState {
        switch state {
        case .detected, .identified, .awaitingAuthorization, .reading: .identified
        case .checklist, .graded, .offerAccepted: .identified
        default: state
        }
    }
}
