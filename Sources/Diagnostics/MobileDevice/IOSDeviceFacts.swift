// SPDX-License-Identifier: Apache-2.0
//
// What one iPhone or iPad told us, as read (no C types), and the pure rules that turn it into the
// `inspect --json` contract: marketed storage size, battery health, the Find My wording.

/// The facts read from one iOS device; `nil` for what the device did not give.
public struct IOSDeviceFacts: Sendable, Hashable {
    public var udid: String
    public var pairing: IOSPairingState?

    // MARK: Public identity (readable before pairing)
    public var productType: String?
    public var productVersion: String?
    public var buildVersion: String?
    public var deviceClass: String?
    public var deviceName: String?

    // MARK: Through the paired lockdown session
    public var serialNumber: String?
    /// IMEIs by slot; `[]` when a paired device gave none (a Wi-Fi iPad), `nil` when unread.
    public var imei: [String]?
    public var activationState: String?
    public var passcodeSet: Bool?
    public var deviceColor: String?
    public var enclosureColor: String?
    /// `com.apple.disk_usage` TotalDiskCapacity, bytes.
    public var totalDiskCapacity: Int?
    /// `com.apple.fmip` IsAssociated: what the device reported, which can be wrong.
    public var findMyAssociated: Bool?
    public var simStatus: String?
    public var battery: Battery?
    public var cloudConfiguration: CloudConfiguration?
    /// One sentence for each fact that could not be read, in reading order.
    public var problems: [String] = []

    public init(udid: String) { self.udid = udid }

    /// The diagnostics_relay IORegistry battery entry.
    public struct Battery: Sendable, Hashable {
        /// `AppleSmartBattery` or `AppleARMPMUCharger`.
        public var source: String
        public var designCapacity: Int?
        public var nominalChargeCapacity: Int?
        public var appleRawMaxCapacity: Int?
        public var cycleCount: Int?
        /// Charge level, percent.
        public var currentCapacity: Int?
        /// Hundredths of a degree Celsius.
        public var temperature: Int?

        public init(
            source: String, designCapacity: Int? = nil, nominalChargeCapacity: Int? = nil, appleRawMaxCapacity: Int? = nil,
            cycleCount: Int? = nil, currentCapacity: Int? = nil, temperature: Int? = nil
        ) {
            self.source = source
            self.designCapacity = designCapacity
            self.nominalChargeCapacity = nominalChargeCapacity
            self.appleRawMaxCapacity = appleRawMaxCapacity
            self.cycleCount = cycleCount
            self.currentCapacity = currentCapacity
            self.temperature = temperature
        }

        /// The full-charge capacity in mAh: `NominalChargeCapacity`, or `AppleRawMaxCapacity` where the device
        /// gives only that (the `FullChargeCapacity` key reads 100 on current iOS and is never used).
        public var fullChargeCapacity: Int? { nominalChargeCapacity ?? appleRawMaxCapacity }

        /// `min(100, full charge / design)`, rounded down; `nil` without both capacities.
        public var healthPercent: Int? {
            guard let full = fullChargeCapacity, let design = designCapacity, design > 0, full >= 0 else { return nil }
            // A capacity too large to scale is no battery's: no percentage rather than an overflow.
            let (scaled, overflow) = full.multipliedReportingOverflow(by: 100)
            return overflow ? nil : min(100, scaled / design)
        }
    }

    /// `com.apple.mobile.MCInstall` GetCloudConfiguration (Automated Device Enrollment / supervision).
    public struct CloudConfiguration: Sendable, Hashable {
        public var organizationName: String?
        public var configurationURL: String?
        public var isSupervised: Bool?
        public var isMDMUnremovable: Bool?

        public init(organizationName: String? = nil, configurationURL: String? = nil, isSupervised: Bool? = nil, isMDMUnremovable: Bool? = nil) {
            self.organizationName = organizationName
            self.configurationURL = configurationURL
            self.isSupervised = isSupervised
            self.isMDMUnremovable = isMDMUnremovable
        }

        /// Enrolled in an organisation's device management: an MDM server or organisation is configured.
        public var enrolled: Bool {
            configurationURL != nil || organizationName != nil || isMDMUnremovable == true
        }
    }

    /// The sizes Apple sells, in GB.
    public static let marketedSizesGB = [16, 32, 64, 128, 256, 512, 1024, 2048]

    /// The marketed size for a `TotalDiskCapacity` in bytes: the smallest size (decimal GB) it fits, where it is
    /// more than half that size; `nil` for a capacity no marketed size explains (never a guess).
    public static func marketedStorageGB(totalDiskCapacity bytes: Int) -> Int? {
        for size in marketedSizesGB {
            let capacity = size * 1_000_000_000
            // Formatted capacity is a little under the marketed size; allow 2 % over for rounding in firmware.
            if bytes <= capacity + capacity / 50 {
                return bytes > capacity / 2 ? size : nil
            }
        }
        return nil
    }

    /// "Find My reported on: confirm on the phone" (or off); `nil` when the device gave nothing.
    public var findMyStatement: String? {
        findMyAssociated.map { "Find My reported \($0 ? "on" : "off"): confirm on the phone" }
    }

    /// The facts in the `inspect --json` contract. `model.name` is left to the caller, who owns the catalog.
    public func report(advice: String? = nil) -> DeviceReport {
        var details: [String: String] = ["udid": udid]
        details["device_class"] = deviceClass
        details["device_name"] = deviceName
        details["build_version"] = buildVersion
        details["device_color"] = deviceColor
        details["enclosure_color"] = enclosureColor
        details["sim_status"] = simStatus
        details["find_my"] = findMyStatement
        details["battery_source"] = battery?.source
        details["mdm_organization"] = cloudConfiguration?.organizationName
        details["supervised"] = cloudConfiguration?.isSupervised.map { $0 ? "true" : "false" }
        let sentences = [pairing?.advice, advice].compactMap { $0 } + problems
        return DeviceReport(
            platform: .ios,
            serial: serialNumber,
            model: .init(identifier: productType, brand: "Apple"),
            osVersion: productVersion,
            imei: imei,
            storageGB: totalDiskCapacity.flatMap { Self.marketedStorageGB(totalDiskCapacity: $0) },
            pairing: DevicePairing(rawValue: (pairing ?? .awaitingTrust).rawValue) ?? .awaitingTrust,
            locks: .init(
                activationState: activationState, findMy: findMyAssociated, passcodeSet: passcodeSet, accounts: nil,
                frpArmed: nil, mdm: cloudConfiguration?.enrolled),
            battery: battery.map {
                DeviceReport.Battery(
                    healthPercent: $0.healthPercent, cycleCount: $0.cycleCount, designCapacityMAh: $0.designCapacity,
                    fullChargeCapacityMAh: $0.fullChargeCapacity, levelPercent: $0.currentCapacity,
                    temperatureC: $0.temperature.map { Double($0) / 100 })
            },
            details: details,
            advice: sentences.isEmpty ? nil : sentences.joined(separator: " "))
    }
}
