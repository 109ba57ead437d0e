// SPDX-License-Identifier: Apache-2.0
//
// The phones `intake-agent simulate` plugs in: the built-in profiles by name (this file), or JSON profile files
// (SimulatorProfile+File.swift).

/// One simulated phone for a test run: an iPhone or iPad behind the usbmuxd simulator, or an Android phone
/// behind an adbd of its own, with the way it behaves (pairing, prompts, faults).
public struct SimulatorProfile: Sendable {
    /// The device's name on the bench, as `simulate ctl` takes it (`iphone-11`).
    public var name: String
    /// One line for `simulate --list`.
    public var summary: String
    public var device: Device

    public enum Device: Sendable {
        case ios(IOS)
        case android(ADBDeviceSimulator.Configuration)
    }

    /// An iOS device and how it arrives.
    public struct IOS: Sendable {
        public var device: SimulatedIOSDevice
        /// Arrives as a device this host paired with before (usbmuxd holds its pair record): no Trust dialog.
        public var paired: Bool
        /// The delay before each of its replies.
        public var latency: Duration
        public var misbehaviour: SimulatedMisbehaviour?

        public init(device: SimulatedIOSDevice, paired: Bool, latency: Duration = .zero, misbehaviour: SimulatedMisbehaviour? = nil) {
            self.device = device
            self.paired = paired
            self.latency = latency
            self.misbehaviour = misbehaviour
        }
    }

    public init(name: String, summary: String, device: Device) {
        self.name = name
        self.summary = summary
        self.device = device
    }

    /// `ios` or `android`.
    public var platform: String {
        switch device {
        case .ios: "ios"
        case .android: "android"
        }
    }
}

// MARK: - Built-in profiles

extension SimulatorProfile {
    /// An Android phone whose owner taps Allow on the "Allow USB debugging?" prompt at once.
    private static let tapsAllow = ADBDeviceSimulator.Auth.trusting([], onNewKey: .allowAfter(.zero))

    private static func iOS(_ name: String, _ summary: String, _ device: SimulatedIOSDevice, paired: Bool) -> SimulatorProfile {
        SimulatorProfile(name: name, summary: summary, device: .ios(IOS(device: device, paired: paired)))
    }

    private static func android(
        _ name: String, _ summary: String, _ profile: ADBDeviceProfile, auth: ADBDeviceSimulator.Auth = tapsAllow,
        shellLatency: Duration = .zero
    ) -> SimulatorProfile {
        SimulatorProfile(
            name: name, summary: summary, device: .android(.init(profile: profile, shellLatency: shellLatency, auth: auth)))
    }

    /// The profiles `simulate --ios`/`--android` take by name, as `simulate --list` shows them.
    public static let builtIn: [SimulatorProfile] = [
        iOS("iphone-11", "The demo's iPhone 11, 128 GB, battery 85 %, Find My off, no passcode; paired with this host.", .cleanIPhone11, paired: true),
        iOS("iphone-12-find-my", "An iPhone 12 with Find My on and a passcode, two IMEIs (SIM and eSIM), 64 GB; paired.", .findMyWithPasscode, paired: true),
        iOS("iphone-13-unactivated", "An unactivated iPhone 13, 256 GB, with a carrier-locked SIM; paired.", .unactivatedIPhone13, paired: true),
        iOS("ipad-air-mdm", "A Wi-Fi iPad Air (4th generation) enrolled in an organisation's MDM, no IMEI; paired.", .iPadAir4, paired: true),
        iOS("iphone-7", "An old iPhone 7, 32 GB, whose battery gives only AppleRawMaxCapacity; paired.", .oldIPhone7, paired: true),
        iOS("iphone-awaiting-trust", "An iPhone 11 seen for the first time: the Trust dialog shows until `simulate ctl trust`.", .neverTrusts, paired: false),
        iOS("iphone-passcode-locked", "An iPhone 11 locked with its passcode, so the Trust dialog cannot show until `simulate ctl trust`.", .passcodeLocked, paired: false),
        iOS("iphone-denied", "An iPhone 11 whose owner tapped Don't Trust (`simulate ctl trust` changes their mind).", .deniesTrust, paired: false),
        android(
            "xiaomi-redmi-note-10", "The demo's Xiaomi Redmi Note 10, Android 13, no accounts, no screen lock; allows the bench's key 400 ms after asking, 30 ms a shell.",
            .xiaomiRedmiNote10, auth: .trusting([], onNewKey: .allowAfter(.milliseconds(400))), shellLatency: .milliseconds(30)),
        android("samsung-s10", "A Samsung Galaxy S10, Android 12, with a Google and a Samsung account and a PIN (FRP armed); allows at once.", .samsungS10),
        android("android-awaiting-allow", "A Samsung Galaxy A50, Android 10, clean, showing \"Allow USB debugging?\" until `simulate ctl allow`.", .samsungA50, auth: .trusting([], onNewKey: .never)),
        android("pixel-9-trade-in", "A Pixel 9 in ADB Trade-In Mode (Android 16): no authorisation, only `tradeinmode` runs, FRP off.", .pixel9TradeIn, auth: .disabled),
        android("pixel-8-trade-in-frp", "A Pixel 8 in ADB Trade-In Mode with Factory Reset Protection on.", .pixel8TradeInFRP, auth: .disabled),
        android("huawei-p30-lite", "A Huawei P30 lite, Android 9 (EMUI), with a Google account, dual SIM on Huawei's shifted IMEI calls; allows at once.", .huaweiP30Lite),
        android("huawei-p20-lite", "An old Huawei P20 lite, Android 8.0, without shell_v2 (pty line endings, no exit codes), a Huawei ID; allows at once.", .huaweiP20Lite),
        android("samsung-a50", "A Samsung Galaxy A50, Android 10, dual SIM, clean; allows at once.", .samsungA50),
        android("oneplus-8t", "A OnePlus 8T, Android 11, a pattern lock; allows at once.", .onePlus8T),
        android("xiaomi-13t", "A Xiaomi 13T, Android 14, with Google and Xiaomi accounts, whose IMEI calls are refused (MIUI properties give them); allows at once.", .xiaomi13T),
        android("samsung-a54", "A Samsung Galaxy A54, Android 14, a company phone with a device owner (MDM) and a Google account; allows at once.", .samsungA54),
    ]

    /// The built-in profile with this name.
    public static func builtIn(named name: String) -> SimulatorProfile? {
        builtIn.first { $0.name == name }
    }
}
