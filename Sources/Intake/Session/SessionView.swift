// SPDX-License-Identifier: Apache-2.0
public import Diagnostics
public import Foundation
public import Grading
public import IntakeStore

/// What a session holds at one moment, as the session itself knows it.
public struct SessionSnapshot: Sendable {
    public var id: String
    public var state: SessionState
    public var report: DeviceReport?
    public var appraisal: Appraisal?
    public var certificate: Certificate?
    public var reasons: [String]
}

/// The console's and the API's `Session` (design.md, "The console and its API"): the whole session, so that a
/// tablet that reconnects catches up from one object. It never carries the holder's IIN.
public struct SessionView: Sendable, Hashable, Encodable {
    public var id: String
    public var deviceKey: String
    public var state: SessionState
    /// The `inspect --json` object; `nil` for a manual intake or before the read.
    public var device: DeviceReport?
    /// What the session still needs: check ids bare, other answers by their dotted path in the answers format.
    public var missing: [String]
    public var offer: Offer?
    public var refusal: Refusal?
    public var certificate: CertificateSummary?
    /// The consultant the session's answers name.
    public var consultant: String?
    /// The last thing the session said ("Identified: iPhone 11.", "Reading battery ...").
    public var message: String?
    public var updatedAt: Date
    /// The erasure step after the certificate: `nil` until the consultant starts it.
    public var erasure: Erasure?
    /// Every applicable check and how it stands (device-read results come locked: `answered_by` `device`).
    public var checks: [CheckOutcome]
    /// The consultant's answers so far that are not checks (the cosmetic grade, box, charger): the page shows them.
    public var answered: Answered
    /// The bench's change counter at this view: of two views of one session (the stream and an answer's reply can
    /// arrive in either order) the higher is the newer; it also orders sessions of one device.
    public var revision = 0

    public struct Answered: Sendable, Hashable, Encodable {
        public var cosmetic: CosmeticGrade?
        public var box: Bool?
        public var charger: Bool?
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cosmetic, forKey: .cosmetic)
            try c.encode(box, forKey: .box)
            try c.encode(charger, forKey: .charger)
        }
        enum CodingKeys: String, CodingKey { case cosmetic, box, charger }
    }

    /// Where the device's erasure stands: `erasing` while the device erases and comes back, then the record's
    /// status (`erased`, `erased_unverified`, `not_erased`), or `refused` when nothing was done (no record).
    public struct Erasure: Sendable, Hashable, Encodable {
        public var state: String
        /// The erasure record's number, once it is recorded.
        public var number: String?
        public var reason: String?

        public init(state: String, number: String? = nil, reason: String? = nil) {
            self.state = state
            self.number = number
            self.reason = reason
        }
    }

    public struct Offer: Sendable, Hashable, Encodable {
        public var amountKZT: Int
        public var grade: String
        public var ruleSet: String
        public var breakdown: [Line]

        public struct Line: Sendable, Hashable, Encodable {
            public var kind: String
            public var label: String
            public var amountKZT: Int
            public var subtotalKZT: Int
            enum CodingKeys: String, CodingKey {
                case kind, label, amountKZT = "amount_kzt", subtotalKZT = "subtotal_kzt"
            }
        }

        enum CodingKeys: String, CodingKey {
            case amountKZT = "amount_kzt", grade, ruleSet = "rule_set", breakdown
        }
    }

    public struct Refusal: Sendable, Hashable, Encodable {
        public var reasons: [String]
    }

    enum CodingKeys: String, CodingKey {
        case id, deviceKey = "device_key", state, device, missing, offer, refusal, certificate, consultant, message
        case updatedAt = "updated_at", erasure, checks, answered, revision
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(deviceKey, forKey: .deviceKey)
        try c.encode(state, forKey: .state)
        try c.encode(device, forKey: .device)
        try c.encode(missing, forKey: .missing)
        try c.encode(offer, forKey: .offer)
        try c.encode(refusal, forKey: .refusal)
        try c.encode(certificate, forKey: .certificate)
        try c.encode(consultant, forKey: .consultant)
        try c.encode(message, forKey: .message)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(erasure, forKey: .erasure)
        try c.encode(checks, forKey: .checks)
        try c.encode(answered, forKey: .answered)
        try c.encode(revision, forKey: .revision)
    }

    /// Builds the view from the session's snapshot and the answers the manager holds for it.
    public init(
        snapshot: SessionSnapshot, deviceKey: String, answers: IntakeAnswers, message: String?, updatedAt: Date
    ) {
        id = snapshot.id
        self.deviceKey = deviceKey
        state = snapshot.state
        device = snapshot.report
        consultant = answers.consultant
        self.message = message
        self.updatedAt = updatedAt
        certificate = snapshot.certificate?.summary
        let refusals = snapshot.appraisal?.refusals.map(\.reason) ?? []
        refusal = snapshot.state == .refused
            ? Refusal(reasons: snapshot.reasons.isEmpty ? refusals : snapshot.reasons) : nil
        if let quote = snapshot.appraisal?.quote, let grade = snapshot.appraisal?.grade {
            offer = Offer(
                amountKZT: quote.amount.amount, grade: "\(grade.functional.rawValue)/\(grade.cosmetic.rawValue)",
                ruleSet: quote.ruleSetID,
                breakdown: quote.lines.map {
                    Offer.Line(kind: $0.kind, label: $0.label, amountKZT: $0.amount.amount, subtotalKZT: $0.subtotal.amount)
                })
        } else {
            offer = nil
        }
        missing = Self.missing(snapshot: snapshot, answers: answers)
        checks = snapshot.appraisal?.grade?.checks ?? []
        answered = Answered(cosmetic: answers.checklist.cosmetic, box: answers.box, charger: answers.charger)
    }

    /// What is still needed, complete from the checklist on (empty before the read, and once the session is over).
    static func missing(snapshot: SessionSnapshot, answers: IntakeAnswers) -> [String] {
        let open: Set<SessionState> = [.checklist, .graded, .offerAccepted]
        guard open.contains(snapshot.state), let appraisal = snapshot.appraisal else { return [] }
        var missing: [String] = []
        for check in appraisal.grade?.pending ?? [] {
            switch check {
            case .boxPresent: missing.append("box")
            case .chargerPresent: missing.append("charger")
            default: missing.append(check.rawValue)
            }
        }
        if appraisal.storageGB == nil, appraisal.refusals.contains(where: { $0.code == "storage_unknown" }) {
            missing.append("device.storage_gb")
        }
        // `imei` null is "could not be read" (an empty list is a device with none, such as a Wi-Fi iPad).
        if let report = snapshot.report, report.platform == .android, report.imei == nil, (answers.device?.imei ?? []).isEmpty {
            missing.append("device.imei")
        }
        if answers.acceptOffer == nil { missing.append("accept_offer") }
        if answers.acceptOffer != false {
            if let holder = answers.holder {
                if holder.name.isEmpty { missing.append("holder.name") }
                if holder.iin.isEmpty { missing.append("holder.iin") }
                if holder.documentNumber.isEmpty { missing.append("holder.document_number") }
            } else {
                missing += ["holder.name", "holder.iin", "holder.birth_date", "holder.document_number"]
            }
        }
        return missing
    }
}
