// SPDX-License-Identifier: Apache-2.0
//
// The device profiles of issue 4: the demo and the tests plug these into the usbmuxd simulator.

extension SimulatedIOSDevice {
    /// A clean iPhone 11, 128 GB, battery at 85 %, no passcode, Find My reported off.
    public static let cleanIPhone11 = SimulatedIOSDevice(
        udid: "00008030-001A2C3E0C38802E", productType: "iPhone12,1", productVersion: "17.5.1",
        buildVersion: "21F90", deviceClass: "iPhone", deviceName: "iPhone", serialNumber: "DX3VK1ABN70F",
        imei: ["352094117788999"], deviceColor: "1", enclosureColor: "6", totalDiskCapacity: 127_989_493_760,
        battery: Battery(designCapacity: 3110, nominalChargeCapacity: 2650, appleRawMaxCapacity: 2702, cycleCount: 412))

    /// An iPhone 12 with Find My on, a passcode set and two IMEIs (SIM and eSIM), 64 GB.
    public static let findMyWithPasscode = SimulatedIOSDevice(
        udid: "00008101-000A3D1C0E42001E", productType: "iPhone13,2", productVersion: "16.7.5",
        buildVersion: "20H307", deviceClass: "iPhone", deviceName: "Aigerim's iPhone", serialNumber: "F2LDN0Q7P3XY",
        imei: ["356372104521888", "356372104521896"], passwordProtected: true, deviceColor: "1",
        enclosureColor: "2", totalDiskCapacity: 63_978_983_424, findMyAssociated: true,
        battery: Battery(designCapacity: 2815, nominalChargeCapacity: 2533, appleRawMaxCapacity: 2560, cycleCount: 655))

    /// An unactivated iPhone 13, 256 GB, with a carrier-locked SIM inserted.
    public static let unactivatedIPhone13 = SimulatedIOSDevice(
        udid: "00008110-001E49A23C80401E", productType: "iPhone14,5", productVersion: "17.1",
        buildVersion: "21B74", deviceClass: "iPhone", deviceName: "iPhone", serialNumber: "H7QMX2W9K1PL",
        imei: ["353958110123454"], activationState: "Unactivated", totalDiskCapacity: 255_866_245_120,
        simStatus: "kCTSIMSupportSIMStatusOperatorLocked",
        battery: Battery(designCapacity: 3227, nominalChargeCapacity: 3301, appleRawMaxCapacity: 3320, cycleCount: 37))

    /// A Wi-Fi iPad Air (4th generation), 64 GB, enrolled in an organisation's MDM: no IMEI, no SIM.
    public static let iPadAir4 = SimulatedIOSDevice(
        udid: "00008101-0019344E3A88001E", productType: "iPad13,1", productVersion: "17.4.1", buildVersion: "21E236",
        deviceClass: "iPad", deviceName: "iPad", serialNumber: "DMPDK3HJQ16M", imei: [],
        totalDiskCapacity: 63_978_983_424, simStatus: nil,
        battery: Battery(designCapacity: 7606, nominalChargeCapacity: 6541, appleRawMaxCapacity: 6600, cycleCount: 301),
        mdmOrganization: "Kaspi Corporate IT", supervised: true, usbProductID: 0x12ab)

    /// An old iPhone 7, 32 GB, whose battery is under `AppleARMPMUCharger` and gives `AppleRawMaxCapacity` only.
    public static let oldIPhone7 = SimulatedIOSDevice(
        udid: "9f1c2e7d4b3a8c6e5d0f1a2b3c4d5e6f7a8b9c0d", productType: "iPhone9,3", productVersion: "15.8.2",
        buildVersion: "19H384", deviceClass: "iPhone", deviceName: "iPhone 7", serialNumber: "C39SK1ABHG7F",
        imei: ["353251098765433"], totalDiskCapacity: 31_989_469_184,
        battery: Battery(
            entryName: "AppleARMPMUCharger", designCapacity: 1960, nominalChargeCapacity: nil, appleRawMaxCapacity: 1503,
            cycleCount: 902))

    /// An iPhone 11 whose owner never answers the Trust dialog.
    public static let neverTrusts = cleanIPhone11.withIdentity(udid: "00008030-00164D2A1E98802E", serialNumber: "G6TZR1NVN72J")
        .withTrust(.neverAnswers)

    /// An iPhone 11 that is locked with its passcode, so the Trust dialog cannot show.
    public static let passcodeLocked = cleanIPhone11.withIdentity(udid: "00008030-000E1C5A0A42802E", serialNumber: "F17ZK9WQN72K")
        .withTrust(.passcodeLocked)

    /// An iPhone 11 whose owner tapped Don't Trust.
    public static let deniesTrust = cleanIPhone11.withIdentity(udid: "00008030-001C79E81A46802E", serialNumber: "DNPXC0Q1N72L")
        .withTrust(.denies)

    /// Every profile of issue 4.
    public static let allProfiles: [SimulatedIOSDevice] = [
        cleanIPhone11, findMyWithPasscode, unactivatedIPhone13, iPadAir4, oldIPhone7, neverTrusts, passcodeLocked, deniesTrust,
    ]
}
