// SPDX-License-Identifier: Apache-2.0

/// Where an iPhone or iPad stands with this host, in the words of design.md's `pairing` field.
public enum IOSPairingState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Paired, with a lockdown session: every fact is readable.
    case paired
    /// The phone shows (or should show) the Trust dialog.
    case awaitingTrust = "awaiting_trust"
    /// The phone is locked with its passcode, so the Trust dialog cannot show.
    case passcodeLocked = "passcode_locked"
    /// The owner tapped Don't Trust.
    case denied

    /// What the consultant should do, one sentence; `nil` when paired.
    public var advice: String? {
        switch self {
        case .paired: nil
        case .awaitingTrust: "Unlock the phone and tap Trust on the \"Trust This Computer?\" dialog."
        case .passcodeLocked: "Unlock the phone with its passcode so it can show the Trust dialog."
        case .denied: "The phone's owner tapped Don't Trust: unplug the phone, plug it back in and tap Trust."
        }
    }

    /// The pairing state a lockdown pairing error means, if it is one of the Trust dialog's answers.
    init?(pairingError: LockdownError) {
        switch pairingError {
        case .pairingDialogResponsePending: self = .awaitingTrust
        case .passwordProtected: self = .passcodeLocked
        case .userDeniedPairing: self = .denied
        default: return nil
        }
    }
}
