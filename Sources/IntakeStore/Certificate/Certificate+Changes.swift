// SPDX-License-Identifier: Apache-2.0
import Grading

/// What a certificate's changes require, whichever registry stores them (SQLite or the chain): one set of rules and
/// sentences, checked inside each registry's transaction on the row as it is then.
extension Certificate {
    /// Why this certificate cannot be voided now, or `nil`.
    func refusalToVoid() -> String? {
        switch status {
        case .voided: "Certificate \(number) is already void (\(voidReason ?? "no reason"))."
        case .redeemed: "Certificate \(number) has been redeemed, so it cannot be voided: the purchase it paid for stands."
        case .issued, .printed: nil
        }
    }

    /// Why this certificate cannot be spent as `split` on `day`, or `nil`.
    func refusalToRedeem(_ split: Redemption.Split, on day: CivilDate) -> String? {
        switch status {
        case .voided: return "Certificate \(number) was voided (\(voidReason ?? "no reason")), so it cannot be spent."
        case .redeemed: return "Certificate \(number) has already been redeemed: a certificate buys one device."
        case .issued, .printed: break
        }
        if isExpired(on: day) {
            return "Certificate \(number) expired after \(content.expiresOn), so it is worthless now."
        }
        if day < content.issuedOn {
            return "Certificate \(number) is dated \(content.issuedOn), after \(day): check the bench's clock."
        }
        guard split.certificate == content.amount else {
            return "Certificate \(number) is worth \(content.amount.slipText) and is spent whole, not \(split.certificate.slipText)."
        }
        return nil
    }

    /// Why this certificate is not printed, or `nil`.
    func refusalToPrint() -> String? {
        status == .voided ? "Certificate \(number) is void: it is not printed." : nil
    }
}

/// Free text a change records in the audit log.
enum ChangeInput {
    /// Refuses text holding a control character (``TextInput``) with its sentence.
    static func requirePlain(_ text: String, field: String) throws {
        if let problem = TextInput.problem(text, field: field) { throw StoreError.invalid(problem) }
    }

    /// The reason, trimmed; refused when empty or holding a control character.
    static func requireReason(_ reason: String, for action: String) throws -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw StoreError.invalid("A \(action) needs a reason for the audit log: give one with --reason.")
        }
        try requirePlain(trimmed, field: "reason for the \(action)")
        return trimmed
    }
}
