// SPDX-License-Identifier: Apache-2.0

/// What is known about one device, as Grading's own input: the session maps a device report (or the consultant's
/// typing, for AirPods, Watch and MacBook) onto it. A fact nobody could read is `nil`, never a guess.
public struct DeviceFacts: Sendable, Hashable, Codable {
    /// Apple product type (`iPhone12,1`) or Android model code (`SM-G973F`).
    public var identifier: String?
    /// The brand the device reported (`Apple`, `samsung`, `Redmi`...).
    public var brand: String?
    /// A marketing name, when typed by the consultant rather than read (`AirPods Pro (2nd generation)`).
    public var name: String?
    public var serial: String?
    /// Every IMEI, slot order; empty when none was read or typed.
    public var imeis: [String]
    public var storageGB: Int?
    /// Battery health in percent of design capacity.
    public var batteryHealthPercent: Int?
    /// Whether the agent read the device over USB (then it evidently powers on).
    public var readOverUSB: Bool
    /// Apple's Activation Lock, when known to be on or off.
    public var activationLocked: Bool?
    /// What the device reported for Find My (`com.apple.fmip`); a `false` can be wrong, so the consultant confirms.
    public var findMyEnabled: Bool?
    public var passcodeSet: Bool?
    /// Account types still on the device (`com.google`, `com.osp.app.signin`...); `nil` when unreadable (iOS).
    public var accounts: [String]?
    /// Android Factory Reset Protection armed (a Google account was on the phone).
    public var frpArmed: Bool?
    public var mdmEnrolled: Bool?
    public var carrierLocked: Bool?
    /// Samsung Reactivation Lock: a Samsung account still holds the phone (read over its modem).
    public var reactivationLocked: Bool?

    public init(
        identifier: String? = nil, brand: String? = nil, name: String? = nil, serial: String? = nil,
        imeis: [String] = [], storageGB: Int? = nil, batteryHealthPercent: Int? = nil, readOverUSB: Bool = false,
        activationLocked: Bool? = nil, findMyEnabled: Bool? = nil, passcodeSet: Bool? = nil, accounts: [String]? = nil,
        frpArmed: Bool? = nil, mdmEnrolled: Bool? = nil, carrierLocked: Bool? = nil, reactivationLocked: Bool? = nil
    ) {
        self.identifier = identifier
        self.brand = brand
        self.name = name
        self.serial = serial
        self.imeis = imeis
        self.storageGB = storageGB
        self.batteryHealthPercent = batteryHealthPercent
        self.readOverUSB = readOverUSB
        self.activationLocked = activationLocked
        self.findMyEnabled = findMyEnabled
        self.passcodeSet = passcodeSet
        self.accounts = accounts
        self.frpArmed = frpArmed
        self.mdmEnrolled = mdmEnrolled
        self.carrierLocked = carrierLocked
        self.reactivationLocked = reactivationLocked
    }

    enum CodingKeys: String, CodingKey {
        case identifier, brand, name, serial, imeis, storageGB = "storage_gb"
        case batteryHealthPercent = "battery_health_percent", readOverUSB = "read_over_usb"
        case activationLocked = "activation_locked", findMyEnabled = "find_my_enabled", passcodeSet = "passcode_set"
        case accounts, frpArmed = "frp_armed", mdmEnrolled = "mdm_enrolled", carrierLocked = "carrier_locked"
        case reactivationLocked = "reactivation_locked"
    }
}

/// IMEI checks: 15 digits whose last is the Luhn check digit.
public enum IMEI {
    /// Whether `text` is 15 digits with a correct Luhn check digit.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 15, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        var sum = 0
        for (position, byte) in bytes.reversed().enumerated() {
            var digit = Int(byte - 0x30)
            if position % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }
}
