// SPDX-License-Identifier: Apache-2.0

/// How one check came out for one device.
public struct CheckOutcome: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case pass, fail
        /// Not answered yet: the offer is provisional until it is.
        case pending
    }

    public var id: CheckID
    public var status: Status
    /// Where the result came from: `device`, `consultant` or `store_records`; `nil` while pending.
    public var answeredBy: String?
    /// What was read or why it is pending ("Find My reported off: confirm on the phone.").
    public var detail: String?

    public init(id: CheckID, status: Status, answeredBy: String?, detail: String?) {
        self.id = id
        self.status = status
        self.answeredBy = answeredBy
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey { case id, status, answeredBy = "answered_by", detail }

    /// Writes `null` for a missing answer or detail rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(answeredBy, forKey: .answeredBy)
        try c.encode(detail, forKey: .detail)
    }
}

/// The grade of one device under a rule set: blockers (no offer) or the two axes and the price factor, with the
/// reason for every step.
public struct GradeResult: Sendable, Hashable, Codable {
    public var ruleSetID: String
    public var family: DeviceFamily
    /// Why there is no offer; empty when there is one.
    public var blockers: [Refusal]
    /// Checks still to answer; the offer is provisional while any remain.
    public var pending: [CheckID]
    public var functional: FunctionalGrade
    public var cosmetic: CosmeticGrade
    /// The rule set's price factor for the two axes, in percent.
    public var factorPercent: Int
    /// The battery health used, when known.
    public var batteryHealthPercent: Int?
    public var hasBox: Bool
    public var hasCharger: Bool
    /// One sentence per step of the grade, in order.
    public var steps: [String]
    /// Every applicable check and how it came out.
    public var checks: [CheckOutcome]

    /// Whether a blocker stops the offer.
    public var isRefused: Bool { !blockers.isEmpty }
    /// Whether the grade is complete: no blocker and nothing pending.
    public var isFinal: Bool { blockers.isEmpty && pending.isEmpty }

    enum CodingKeys: String, CodingKey {
        case ruleSetID = "rule_set", family, blockers, pending, functional, cosmetic, factorPercent = "factor_percent"
        case batteryHealthPercent = "battery_health_percent", hasBox = "box", hasCharger = "charger", steps, checks
    }
}
