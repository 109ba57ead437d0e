// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A SIM slot's state as Android reports it in `gsm.sim.state` (one value a slot, comma-separated): the names of
/// AOSP's `IccCardConstants.State` (`UNKNOWN`, `ABSENT`, `PIN_REQUIRED`, `PUK_REQUIRED`, `NETWORK_LOCKED`, `READY`,
/// `NOT_READY`, `PERM_DISABLED`, `CARD_IO_ERROR`, `CARD_RESTRICTED`, `LOADED`), which `TelephonyManager` writes per
/// phone id. The JSON keeps them in lower case (`network_locked`).
public enum SIMState: String, Sendable, Hashable, Codable, CaseIterable {
    case unknown, absent, ready, loaded
    case pinRequired = "pin_required", pukRequired = "puk_required", networkLocked = "network_locked"
    case notReady = "not_ready", permDisabled = "perm_disabled", cardIOError = "card_io_error"
    case cardRestricted = "card_restricted"

    /// The state for one slot's AOSP name; an empty or unfamiliar value (an OEM's own) is `unknown`.
    public init(aospName: some StringProtocol) {
        let name = aospName.trimmingCharacters(in: .whitespaces).lowercased()
        self = SIMState(rawValue: name) ?? .unknown
    }

    /// Every slot's state from a `gsm.sim.state` value (`READY,ABSENT`), slot order; `nil` for an empty value.
    public static func slots(_ property: String?) -> [SIMState]? {
        guard let property, !property.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return property.split(separator: ",", omittingEmptySubsequences: false).map { SIMState(aospName: $0) }
    }
}

/// Whether the phone is locked to a carrier, as the phone itself tells: `unlocked`, or locked to a `network`
/// (network personalisation) or to one `sim`. Samsung's `AT+DEVCONINFO` says it in `LOCK(NONE|SIM|NETWORK)`;
/// Android says only the locked case, when the inserted SIM is refused (`gsm.sim.state` `NETWORK_LOCKED`).
public enum NetworkLock: String, Sendable, Hashable, Codable, CaseIterable {
    case unlocked, network, sim

    public var isLocked: Bool { self != .unlocked }

    /// The lock for Samsung's `LOCK(...)` token; `nil` for a value Samsung does not document.
    public init?(samsungToken: String) {
        switch samsungToken.trimmingCharacters(in: .whitespaces).uppercased() {
        case "NONE": self = .unlocked
        case "NETWORK": self = .network
        case "SIM": self = .sim
        default: return nil
        }
    }

    /// What the SIM slots' states say about the lock: `network` when a slot's SIM is refused by the phone's network
    /// lock, else nothing (a SIM that works may be the carrier's own, so `READY` does not mean unlocked).
    public init?(simStates: [SIMState]?) {
        guard let simStates, simStates.contains(.networkLocked) else { return nil }
        self = .network
    }
}
