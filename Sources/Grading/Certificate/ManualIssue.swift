// SPDX-License-Identifier: Apache-2.0

/// The rules for a certificate a consultant issues by hand (`certificate issue`), without a session's appraisal:
/// the model must be one the program takes (at that store), the grade on the rule set's scale, the amount no more
/// than the rules offer for the model at that grade, and the issue date today, or within the last
/// ``backdatingDays`` days with a reason.
public enum ManualIssue {
    /// How many days back a certificate may be dated (a sale agreement signed while the bench was down).
    public static let backdatingDays = 7

    /// What passed: the grade in its canonical spelling and the ceiling the amount was checked against.
    public struct Accepted: Sendable, Hashable {
        public var grade: GradeLabel
        public var ceiling: Tenge
    }

    /// Checks a hand-issued certificate's terms against the rules; every reason it fails, each a sentence.
    public static func check(
        model: CatalogModel, store: Store, grade text: String, amount: Tenge, ruleSet: RuleSet,
        issuedOn: CivilDate, today: CivilDate, reason: String?
    ) -> Result<Accepted, CertificateRefusal> {
        var refusals = Eligibility.check(model, store: store, ruleSet: ruleSet).refusals
        let grade = GradeLabel(text)
        if grade == nil { refusals.append(Refusal(code: "grade", reason: GradeLabel.offScale(text))) }
        var ceiling: Tenge?
        if let grade, refusals.isEmpty {
            ceiling = Pricing.ceiling(model: model, grade: grade, ruleSet: ruleSet)
            if let ceiling, amount > ceiling {
                refusals.append(Refusal(
                    code: "amount_above_offer",
                    reason: "\(amount.slipText) is more than the rules offer for the \(model.displayName) at grade \(grade) (at most \(ceiling.slipText), its largest storage, no battery deduction or kit bonus): issue the amount of the offer."))
            } else if ceiling == nil {
                refusals.append(Refusal(
                    code: "price_unknown",
                    reason: "The catalog's entry \(model.id) has no market price from 1 to \(Tenge(StoragePrice.marketPriceRange.upperBound).slipText) for the \(model.displayName), so it cannot be certified: fix the catalog."))
            }
        }
        if amount <= .zero {
            refusals.append(Refusal(code: "amount", reason: "A certificate's amount must be above zero tenge."))
        }
        if let refusal = checkIssueDate(issuedOn, today: today, reason: reason) { refusals.append(refusal) }
        guard refusals.isEmpty, let grade, let ceiling else { return .failure(CertificateRefusal(refusals: refusals)) }
        return .success(Accepted(grade: grade, ceiling: ceiling))
    }

    /// `nil` for today; a date up to ``backdatingDays`` days back with a reason; a refusal otherwise.
    public static func checkIssueDate(_ issuedOn: CivilDate, today: CivilDate, reason: String?) -> Refusal? {
        if issuedOn == today { return nil }
        if issuedOn > today {
            return Refusal(code: "issue_date", reason: "The issue date \(issuedOn) is after today (\(today)): a certificate is dated the day its sale agreement is signed.")
        }
        let earliest = today.adding(days: -backdatingDays)
        if issuedOn < earliest {
            return Refusal(code: "issue_date", reason: "The issue date \(issuedOn) is more than \(backdatingDays) days ago (the earliest is \(earliest)): issue it today, or ask the store manager.")
        }
        if (reason ?? "").trimmingASCIIWhitespace().isEmpty {
            return Refusal(code: "issue_date", reason: "The issue date \(issuedOn) is not today: give the reason for dating it back with --reason.")
        }
        return nil
    }
}
