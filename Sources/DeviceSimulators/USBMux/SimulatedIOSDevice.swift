// SPDX-License-Identifier: Apache-2.0
//
// What one simulated iPhone or iPad knows and how it behaves at the Trust dialog.

/// One simulated iOS device: its lockdown values, battery registry entry, MDM cloud configuration and the
/// way its owner answers the "Trust this computer?" dialog.
public struct SimulatedIOSDevice: Sendable, Hashable {
    /// The UDID as lockdownd reports it (`00008030-001A2C3E0C38802E`, or 40 hex digits on older devices).
    public var udid: String
    public var productType: String
    public var productVersion: String
    public var buildVersion: String
    /// `iPhone` or `iPad`.
    public var deviceClass: String
    public var deviceName: String
    public var serialNumber: String
    /// IMEIs by slot; empty for a Wi-Fi-only iPad.
    public var imei: [String]
    /// `Activated` or `Unactivated`.
    public var activationState: String
    public var passwordProtected: Bool
    public var deviceColor: String
    public var enclosureColor: String
    /// `com.apple.disk_usage` TotalDiskCapacity, in bytes.
    public var totalDiskCapacity: Int
    /// `com.apple.fmip` IsAssociated; `nil` when the domain gives nothing.
    public var findMyAssociated: Bool?
    /// `SIMStatus`; `nil` when the key is absent (no SIM tray).
    public var simStatus: String?
    public var battery: Battery
    /// `com.apple.mobile.MCInstall` GetCloudConfiguration: the organisation enrolling the device, if any.
    public var mdmOrganization: String?
    public var supervised: Bool
    /// The USB product id usbmuxd reports.
    public var usbProductID: Int
    public var trust: Trust
    /// What MCInstall `EraseDevice` does on this device.
    public var erase: Erase = .erases(rebootDelay: .milliseconds(200))
    /// Whether lockdownd turns TLS on after StartSession (`EnableSessionSSL`), as real devices do. Off by
    /// default: most tests read plain text; the drop tests need TLS, where libimobiledevice writes with `write`.
    public var sessionSSL = false

    /// The same device with TLS sessions.
    public func withSessionSSL() -> SimulatedIOSDevice {
        var copy = self
        copy.sessionSSL = true
        return copy
    }

    /// The same device with another answer to MCInstall `EraseDevice`.
    public func withErase(_ erase: Erase) -> SimulatedIOSDevice {
        var copy = self
        copy.erase = erase
        return copy
    }

    /// How the device answers MCInstall `EraseDevice` and what it looks like afterwards.
    public enum Erase: Sendable, Hashable {
        /// Acknowledges, drops the link, leaves usbmuxd, and after `rebootDelay` comes back erased: unactivated,
        /// Find My off, no passcode, no name, trusting no host (the old pair record is refused), and pairing
        /// without a Trust prompt, as a phone at Setup Assistant does.
        case erases(rebootDelay: Duration)
        /// Answers `Status` with this value (`CommandFormatError`, as iOS 10 does) and erases nothing.
        case refuses(status: String)
        /// Acknowledges, drops the link, leaves and never comes back.
        case neverReturns
        /// Acknowledges, leaves, and comes back as it was: still activated and still trusting the bench.
        case returnsStillActivated(rebootDelay: Duration)
    }

    /// The device as it comes back from an erase.
    public var erased: SimulatedIOSDevice {
        var copy = self
        copy.activationState = "Unactivated"
        copy.findMyAssociated = false
        copy.passwordProtected = false
        copy.deviceName = deviceClass
        copy.mdmOrganization = nil
        copy.supervised = false
        copy.trust = .accepts(afterAttempts: 0)
        return copy
    }

    /// The diagnostics_relay IORegistry entry that holds the battery.
    public struct Battery: Sendable, Hashable {
        /// `AppleSmartBattery` (iPhone 8 and later) or `AppleARMPMUCharger` (iPhone 7 and older).
        public var entryName: String
        public var designCapacity: Int
        /// Absent on old devices, which give `AppleRawMaxCapacity` instead.
        public var nominalChargeCapacity: Int?
        public var appleRawMaxCapacity: Int?
        public var cycleCount: Int
        /// Charge level now, percent.
        public var currentCapacity: Int
        /// Hundredths of a degree Celsius.
        public var temperature: Int

        public init(
            entryName: String = "AppleSmartBattery", designCapacity: Int, nominalChargeCapacity: Int?,
            appleRawMaxCapacity: Int?, cycleCount: Int, currentCapacity: Int = 80, temperature: Int = 2950
        ) {
            self.entryName = entryName
            self.designCapacity = designCapacity
            self.nominalChargeCapacity = nominalChargeCapacity
            self.appleRawMaxCapacity = appleRawMaxCapacity
            self.cycleCount = cycleCount
            self.currentCapacity = currentCapacity
            self.temperature = temperature
        }
    }

    /// How the owner answers the Trust dialog.
    public enum Trust: Sendable, Hashable {
        /// Taps Trust after the dialog has been shown `afterAttempts` times (0: at once).
        case accepts(afterAttempts: Int)
        /// Never answers: every Pair gets `PairingDialogResponsePending`.
        case neverAnswers
        /// The phone is locked: every Pair gets `PasswordProtected`.
        case passcodeLocked
        /// Tapped Don't Trust: every Pair gets `UserDeniedPairing`.
        case denies
    }

    public init(
        udid: String, productType: String, productVersion: String, buildVersion: String, deviceClass: String,
        deviceName: String, serialNumber: String, imei: [String], activationState: String = "Activated",
        passwordProtected: Bool = false, deviceColor: String = "1", enclosureColor: String = "1",
        totalDiskCapacity: Int, findMyAssociated: Bool? = false, simStatus: String? = "kCTSIMSupportSIMStatusReady",
        battery: Battery, mdmOrganization: String? = nil, supervised: Bool = false, usbProductID: Int = 0x12a8,
        trust: Trust = .accepts(afterAttempts: 0)
    ) {
        self.udid = udid
        self.productType = productType
        self.productVersion = productVersion
        self.buildVersion = buildVersion
        self.deviceClass = deviceClass
        self.deviceName = deviceName
        self.serialNumber = serialNumber
        self.imei = imei
        self.activationState = activationState
        self.passwordProtected = passwordProtected
        self.deviceColor = deviceColor
        self.enclosureColor = enclosureColor
        self.totalDiskCapacity = totalDiskCapacity
        self.findMyAssociated = findMyAssociated
        self.simStatus = simStatus
        self.battery = battery
        self.mdmOrganization = mdmOrganization
        self.supervised = supervised
        self.usbProductID = usbProductID
        self.trust = trust
    }

    /// The same device with another UDID and serial number (for many devices at once).
    public func withIdentity(udid: String, serialNumber: String) -> SimulatedIOSDevice {
        var copy = self
        copy.udid = udid
        copy.serialNumber = serialNumber
        return copy
    }

    /// The same device with another Trust behaviour.
    public func withTrust(_ trust: Trust) -> SimulatedIOSDevice {
        var copy = self
        copy.trust = trust
        return copy
    }
}

/// What the simulator does wrong on purpose, to test the reader's handling of a hostile or broken device.
public enum SimulatedMisbehaviour: Sendable, Hashable {
    /// Replies to the named lockdown request (or service request) with bytes that are not a plist.
    case malformedPlist(request: String)
    /// Replies with a complete frame whose plist is cut in half.
    case truncatedPlist(request: String)
    /// Announces a frame of almost 2 GiB, sends a few bytes, then closes.
    case oversizedFrame(request: String)
    /// The named service (`com.apple.mobile.diagnostics_relay`, `com.apple.mobile.MCInstall`) accepts requests
    /// and never answers.
    case serviceNeverAnswers(service: String)
    /// Sends half of the reply to the named request, then the device is unplugged.
    case unplugMidRead(request: String)
    /// Sends the whole reply to the named request (a lockdown request, a GetValue domain or key, a service name
    /// or a service request such as `IORegistry`), then closes the connection, as a phone that drops its link
    /// does: the client's next write meets a closed socket.
    case closeAfterReply(request: String)
    /// Answers this many requests (lockdown and service requests together, counted from the plug), then closes
    /// each connection as it meets the next one, as a phone with a failing port does.
    case dropAfterRequests(Int)

    var request: String? {
        switch self {
        case .malformedPlist(let r), .truncatedPlist(let r), .oversizedFrame(let r), .unplugMidRead(let r),
            .closeAfterReply(let r):
            r
        case .serviceNeverAnswers, .dropAfterRequests: nil
        }
    }
}
