// SPDX-License-Identifier: Apache-2.0
//
// The facts one device gave, in the JSON contract of design.md (`inspect --json`).
// Field names are a contract: add fields freely, rename none. A fact the device did not give is `nil`
// (encoded as JSON `null`), never a guess.

/// The platform a report is about; the JSON keeps the raw values (design.md).
public enum DevicePlatform: String, Sendable, Hashable, Codable {
    case ios, android, usb
}

/// How far the bench got with the phone's own consent; the JSON keeps the raw values (design.md).
public enum DevicePairing: String, Sendable, Hashable, Codable {
    // iOS
    case paired, awaitingTrust = "awaiting_trust", passcodeLocked = "passcode_locked", denied
    // Android
    case authorized, unauthorized, noDebugging = "no_debugging", tradeInMode = "trade_in_mode"

    /// Whether the phone let the bench read everything it would give.
    public var allowsRead: Bool { [.paired, .authorized, .tradeInMode].contains(self) }
}

/// What a platform reader learned about one device.
public struct DeviceReport: Sendable, Hashable, Codable {
    /// `ios` or `android` (`usb` for a device known only from its USB descriptors).
    public var platform: DevicePlatform
    /// Apple serial number, or the Android serial (`ro.serialno` / the USB serial).
    public var serial: String?
    public var model: Model
    public var osVersion: String?
    /// Every IMEI the device reported, slot order; empty when it gave none.
    public var imei: [String]?
    public var storageGB: Int?
    /// `paired`, `awaiting_trust`, `passcode_locked`, `denied` (iOS);
    /// `authorized`, `unauthorized`, `no_debugging`, `trade_in_mode` (Android).
    public var pairing: DevicePairing
    public var locks: Locks
    public var battery: Battery?
    /// Platform-specific extras (iOS UDID, colours, SIM status; Android patch level, root indicators...).
    public var details: [String: String]?
    /// One sentence for the consultant when the read is incomplete ("Unlock the phone and tap Trust.").
    public var advice: String?
    /// Where each fact came from, by its JSON path (`model.identifier`, `imei`, `locks.network_lock`...), when a
    /// reader marks it: the Samsung modem names the AT command (`AT+DEVCONINFO`). `nil` (left out of the JSON)
    /// when the reader does not mark its facts one by one.
    public var sources: [String: String]?

    public struct Model: Sendable, Hashable, Codable {
        /// iOS ProductType (`iPhone12,1`) or Android model code (`SM-G973F`).
        public var identifier: String?
        /// The catalog's marketing name, when the catalog knows the identifier.
        public var name: String?
        public var brand: String?
        public init(identifier: String?, name: String? = nil, brand: String?) {
            self.identifier = identifier
            self.name = name
            self.brand = brand
        }
    }

    public struct Locks: Sendable, Hashable, Codable {
        public var activationState: String?
        /// What the device reported through `com.apple.fmip`; a `false` can be wrong.
        public var findMy: Bool?
        public var passcodeSet: Bool?
        /// Account types present (`com.google`, `com.osp.app.signin` ...); `nil` when unreadable (iOS).
        public var accounts: [String]?
        public var frpArmed: Bool?
        public var mdm: Bool?
        /// Each SIM slot's state, slot order (Android's `gsm.sim.state`); `nil` when the phone did not say.
        public var simState: [SIMState]?
        /// The carrier lock where the phone tells (Samsung's modem; Android when the SIM is refused); `nil` when not.
        public var networkLock: NetworkLock?
        /// Samsung Reactivation Lock (a Samsung account holds the phone), read over the modem; not Google's FRP.
        public var reactivationLock: Bool?
        public init(
            activationState: String? = nil, findMy: Bool? = nil, passcodeSet: Bool? = nil,
            accounts: [String]? = nil, frpArmed: Bool? = nil, mdm: Bool? = nil,
            simState: [SIMState]? = nil, networkLock: NetworkLock? = nil, reactivationLock: Bool? = nil
        ) {
            self.activationState = activationState
            self.findMy = findMy
            self.passcodeSet = passcodeSet
            self.accounts = accounts
            self.frpArmed = frpArmed
            self.mdm = mdm
            self.simState = simState
            self.networkLock = networkLock
            self.reactivationLock = reactivationLock
        }
        enum CodingKeys: String, CodingKey {
            case activationState = "activation_state", findMy = "find_my", passcodeSet = "passcode_set"
            case accounts, frpArmed = "frp_armed", mdm
            case simState = "sim_state", networkLock = "network_lock", reactivationLock = "reactivation_lock"
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(activationState, forKey: .activationState)
            try c.encode(findMy, forKey: .findMy)
            try c.encode(passcodeSet, forKey: .passcodeSet)
            try c.encode(accounts, forKey: .accounts)
            try c.encode(frpArmed, forKey: .frpArmed)
            try c.encode(mdm, forKey: .mdm)
            try c.encode(simState, forKey: .simState)
            try c.encode(networkLock, forKey: .networkLock)
            try c.encode(reactivationLock, forKey: .reactivationLock)
        }
    }

    public struct Battery: Sendable, Hashable, Codable {
        public var healthPercent: Int?
        public var cycleCount: Int?
        public var designCapacityMAh: Int?
        public var fullChargeCapacityMAh: Int?
        /// Charge level now, 0–100, where the device gives it.
        public var levelPercent: Int?
        public var temperatureC: Double?
        public init(
            healthPercent: Int? = nil, cycleCount: Int? = nil, designCapacityMAh: Int? = nil,
            fullChargeCapacityMAh: Int? = nil, levelPercent: Int? = nil, temperatureC: Double? = nil
        ) {
            self.healthPercent = healthPercent
            self.cycleCount = cycleCount
            self.designCapacityMAh = designCapacityMAh
            self.fullChargeCapacityMAh = fullChargeCapacityMAh
            self.levelPercent = levelPercent
            self.temperatureC = temperatureC
        }
        enum CodingKeys: String, CodingKey {
            case healthPercent = "health_percent", cycleCount = "cycle_count"
            case designCapacityMAh = "design_capacity_mah", fullChargeCapacityMAh = "full_charge_capacity_mah"
            case levelPercent = "level_percent", temperatureC = "temperature_c"
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(healthPercent, forKey: .healthPercent)
            try c.encode(cycleCount, forKey: .cycleCount)
            try c.encode(designCapacityMAh, forKey: .designCapacityMAh)
            try c.encode(fullChargeCapacityMAh, forKey: .fullChargeCapacityMAh)
            try c.encode(levelPercent, forKey: .levelPercent)
            try c.encode(temperatureC, forKey: .temperatureC)
        }
    }

    public init(
        platform: DevicePlatform, serial: String? = nil, model: Model, osVersion: String? = nil, imei: [String]? = nil,
        storageGB: Int? = nil, pairing: DevicePairing, locks: Locks = Locks(), battery: Battery? = nil,
        details: [String: String]? = nil, advice: String? = nil, sources: [String: String]? = nil
    ) {
        self.platform = platform
        self.serial = serial
        self.model = model
        self.osVersion = osVersion
        self.imei = imei
        self.storageGB = storageGB
        self.pairing = pairing
        self.locks = locks
        self.battery = battery
        self.details = details
        self.advice = advice
        self.sources = sources
    }

    enum CodingKeys: String, CodingKey {
        case platform, serial, model, osVersion = "os_version", imei, storageGB = "storage_gb", pairing, locks, battery
        case details, advice, sources
    }

    /// Encodes every contract field, writing `null` for missing facts rather than omitting the key.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(platform, forKey: .platform)
        try c.encode(serial, forKey: .serial)
        try c.encode(model, forKey: .model)
        try c.encode(osVersion, forKey: .osVersion)
        try c.encode(imei, forKey: .imei)
        try c.encode(storageGB, forKey: .storageGB)
        try c.encode(pairing, forKey: .pairing)
        try c.encode(locks, forKey: .locks)
        try c.encode(battery, forKey: .battery)
        try c.encode(details, forKey: .details)
        try c.encode(advice, forKey: .advice)
        try c.encodeIfPresent(sources, forKey: .sources)
    }
}

extension DeviceReport.Model {
    enum CodingKeys: String, CodingKey { case identifier, name, brand }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(identifier, forKey: .identifier)
        try c.encode(name, forKey: .name)
        try c.encode(brand, forKey: .brand)
    }
}
