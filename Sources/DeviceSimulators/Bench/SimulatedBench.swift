// SPDX-License-Identifier: Apache-2.0
//
// What `intake-agent simulate` runs: one usbmuxd simulator for every iOS profile and one adbd on a loopback port
// per Android profile, and the bench's hands (plug, unplug, tap Trust or Allow, change a value) that its control
// socket takes.

import Foundation
public import Logging
import Synchronization

/// A bench of simulated phones: iPhones and iPads behind one usbmuxd, Android phones each behind an adbd on its
/// own loopback port, named by their profiles, plugged in when the bench starts.
public final class SimulatedBench: Sendable {
    public let usbmux: USBMuxSimulator
    /// `127.0.0.1:PORT` when usbmuxd listens on loopback TCP too.
    public let usbmuxTCPAddress: String?
    private let logger: Logger?
    private let entries: Mutex<[Entry]>

    struct Entry {
        var name: String
        var summary: String
        var kind: Kind
        var plugged = false
    }

    enum Kind {
        /// `everPlugged`: usbmuxd already holds the pair record of a `paired` profile from its first plug.
        case ios(SimulatorProfile.IOS, everPlugged: Bool)
        case android(ADBDeviceSimulator, port: UInt16)
    }

    /// One device as `simulate` lists it.
    public struct Device: Sendable {
        public let name: String
        public let platform: String
        public let summary: String
        /// The UDID of an iOS device, `127.0.0.1:PORT` of an Android phone's adbd.
        public let address: String
        public let plugged: Bool
    }

    /// Starts usbmuxd on `usbmuxdSocket` (and on loopback TCP with `usbmuxdTCPPort`, 0 for a free port), one adbd
    /// per Android profile (from `adbPort` up, one port each; a free port each without it), and plugs every device in.
    /// A name given twice gets `-2`, `-3`... and an iOS device a UDID of its own.
    public init(
        profiles: [SimulatorProfile], usbmuxdSocket: String, usbmuxdTCPPort: UInt16? = nil, adbPort: UInt16? = nil,
        logger: Logger? = nil
    ) throws {
        self.logger = logger
        let usbmux = try USBMuxSimulator.start(unixSocketAt: usbmuxdSocket, logger: logger)
        self.usbmux = usbmux
        do {
            usbmuxTCPAddress = try usbmuxdTCPPort.map { try usbmux.listenOnLoopback(port: $0) }
        } catch {
            usbmux.stop()
            throw error
        }
        var entries: [Entry] = []
        var nextPort = adbPort
        for profile in profiles {
            var name = profile.name
            var copy = 2
            while entries.contains(where: { $0.name == name }) {
                name = "\(profile.name)-\(copy)"
                copy += 1
            }
            switch profile.device {
            case .ios(var ios):
                if name != profile.name { ios.device = ios.device.withFreshIdentity() }
                entries.append(Entry(name: name, summary: profile.summary, kind: .ios(ios, everPlugged: false)))
            case .android(let configuration):
                let simulator = ADBDeviceSimulator(configuration, logger: logger)
                let port: UInt16
                do {
                    port = try simulator.listen(port: nextPort ?? 0)
                } catch {
                    entries.forEach { if case .android(let s, _) = $0.kind { s.stop() } }
                    usbmux.stop()
                    throw error
                }
                nextPort = nextPort.map { $0 == 0 ? 0 : $0 &+ 1 }
                entries.append(Entry(name: name, summary: profile.summary, kind: .android(simulator, port: port), plugged: true))
            }
        }
        self.entries = Mutex(entries)
        for entry in entries where entry.platform == "ios" { _ = try? plug(entry.name) }
    }

    /// Unplugs everything, stops listening and removes the sockets.
    public func stop() {
        for entry in entries.withLock({ $0 }) {
            if case .android(let simulator, _) = entry.kind { simulator.stop() }
        }
        usbmux.stop()
    }

    public var devices: [Device] {
        entries.withLock { entries in
            entries.map { entry in
                switch entry.kind {
                case .ios(let ios, _):
                    Device(name: entry.name, platform: "ios", summary: entry.summary, address: ios.device.udid, plugged: entry.plugged)
                case .android(_, let port):
                    Device(name: entry.name, platform: "android", summary: entry.summary, address: "127.0.0.1:\(port)", plugged: entry.plugged)
                }
            }
        }
    }

    /// The `--adb-tcp` endpoints of the Android phones, `127.0.0.1:PORT`, in profile order.
    public var adbEndpoints: [String] { devices.filter { $0.platform == "android" }.map(\.address) }

    // MARK: - The bench's hands

    /// Plugs the device in: usbmuxd's listeners get `Attached`; an Android phone's adbd accepts connections again.
    @discardableResult
    public func plug(_ name: String) throws(SimulatorControlError) -> String {
        let entry = try find(name)
        guard !entry.plugged else { return "\(name) is plugged in already." }
        switch entry.kind {
        case .ios(let ios, let everPlugged):
            usbmux.attach(ios.device, latency: ios.latency, misbehaviour: ios.misbehaviour, alreadyPaired: ios.paired && !everPlugged)
            modify(name) { $0.kind = .ios(ios, everPlugged: true) }
        case .android(let simulator, let port):
            // The old listening socket closes on its accept thread: bind again until the port is free (about at once).
            let deadline = ContinuousClock.now + .seconds(5)
            while true {
                do {
                    try simulator.listen(port: port)
                    break
                } catch {
                    guard ContinuousClock.now < deadline else {
                        throw SimulatorControlError("\(name) could not be plugged in again: 127.0.0.1:\(port) is taken (\(error)).")
                    }
                    Thread.sleep(forTimeInterval: 0.02)
                }
            }
        }
        modify(name) { $0.plugged = true }
        logger?.debug("plugged in", metadata: ["device": "\(name)"])
        return "\(name) plugged in."
    }

    /// Unplugs the device: its connections end mid-stream; usbmuxd's listeners get `Detached`; an Android phone's
    /// port stops accepting.
    @discardableResult
    public func unplug(_ name: String) throws(SimulatorControlError) -> String {
        let entry = try find(name)
        guard entry.plugged else { return "\(name) is unplugged already." }
        switch entry.kind {
        case .ios(let ios, _): usbmux.detach(udid: ios.device.udid)
        case .android(let simulator, _): simulator.stop()
        }
        modify(name) { $0.plugged = false }
        logger?.debug("unplugged", metadata: ["device": "\(name)"])
        return "\(name) unplugged."
    }

    /// The owner answers the Trust dialog: `true` taps Trust (unlocking the phone first), `false` Don't Trust.
    @discardableResult
    public func answerTrust(_ name: String, trust: Bool) throws(SimulatorControlError) -> String {
        let entry = try find(name)
        guard case .ios(var ios, let everPlugged) = entry.kind else {
            throw SimulatorControlError("\(name) is an Android phone, which has no Trust dialog: tap its \"Allow USB debugging?\" prompt with `allow \(name)`.")
        }
        ios.device.trust = trust ? .accepts(afterAttempts: 0) : .denies
        modify(name) { $0.kind = .ios(ios, everPlugged: everPlugged) }
        usbmux.setTrust(ios.device.trust, udid: ios.device.udid)
        return trust ? "\(name): Trust tapped; the next pairing request succeeds." : "\(name): Don't Trust tapped; pairing is refused (UserDeniedPairing)."
    }

    /// Taps Allow on an Android phone's "Allow USB debugging?" prompt; with no prompt showing, the phone allows the
    /// next key at once.
    @discardableResult
    public func allow(_ name: String) throws(SimulatorControlError) -> String {
        let entry = try find(name)
        guard case .android(let simulator, _) = entry.kind else {
            throw SimulatorControlError("\(name) is an iOS device, which asks to trust the computer instead: use `trust \(name)`.")
        }
        if simulator.allowPromptedKey() { return "\(name): Allow tapped; the key it showed is trusted, and a host waiting on it goes online." }
        guard case .trusting(let keys, _) = simulator.configuration.auth else {
            return "\(name) asks no authorisation (no prompt to tap)."
        }
        simulator.update { $0.auth = .trusting(keys, onNewKey: .allowAfter(.zero)) }
        return "\(name) shows no prompt now: the next host key it is shown is allowed at once."
    }

    /// Changes one value of the device (`find_my=off`, `accounts=none`...), effective from its next request.
    @discardableResult
    public func set(_ name: String, _ assignment: String) throws(SimulatorControlError) -> String {
        let entry = try find(name)
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
            throw SimulatorControlError("set takes KEY=VALUE, such as find_my=off, not \(assignment).")
        }
        let key = String(assignment[..<equals])
        let value = String(assignment[assignment.index(after: equals)...])
        switch entry.kind {
        case .ios(var ios, let everPlugged):
            try Self.setIOS(&ios, key: key, value: value, name: name)
            modify(name) { $0.kind = .ios(ios, everPlugged: everPlugged) }
            if entry.plugged {
                let device = ios.device
                usbmux.update(udid: device.udid) { $0 = device }
                usbmux.setLatency(ios.latency, udid: device.udid)
                usbmux.setMisbehaviour(ios.misbehaviour, udid: device.udid)
            }
        case .android(let simulator, _):
            var configuration = simulator.configuration
            try Self.setAndroid(&configuration, key: key, value: value, name: name)
            simulator.update { $0 = configuration }
        }
        return "\(name): \(key) = \(value)."
    }

    /// One request from the control socket.
    public func perform(_ request: SimulatorControlRequest) -> SimulatorControlReply {
        do throws(SimulatorControlError) {
            logger?.debug("control request", metadata: ["command": "\(request.command)", "device": "\(request.device ?? "")"])
            if request.command == "list" {
                return SimulatorControlReply(ok: true, message: devices.map { d in
                    "\(d.name) \(d.platform) \(d.address) \(d.plugged ? "plugged" : "unplugged")"
                }.joined(separator: "\n"))
            }
            guard let name = request.device else {
                throw SimulatorControlError("\(request.command) needs a device name (one of \(names)).")
            }
            let message: String
            switch request.command {
            case "plug": message = try plug(name)
            case "unplug": message = try unplug(name)
            case "trust": message = try answerTrust(name, trust: true)
            case "deny": message = try answerTrust(name, trust: false)
            case "allow": message = try allow(name)
            case "set":
                let assignments = request.set ?? []
                guard !assignments.isEmpty else { throw SimulatorControlError("set needs KEY=VALUE after the device name, such as find_my=off.") }
                message = try assignments.map { a throws(SimulatorControlError) in try set(name, a) }.joined(separator: " ")
            default:
                throw SimulatorControlError("\(request.command) is not a command of the simulator: use plug, unplug, trust, deny, allow, set or list.")
            }
            return SimulatorControlReply(ok: true, message: message)
        } catch {
            return SimulatorControlReply(ok: false, message: error.description)
        }
    }

    // MARK: - Values

    static let iOSKeys = [
        "find_my", "passcode", "activation_state", "mdm_organization", "supervised", "device_name", "product_version",
        "battery.cycle_count", "battery.nominal_charge_capacity_mah", "slow_replies_ms", "faults",
    ]

    static let androidKeys = ["accounts", "screen_lock", "prop.NAME", "slow_replies_ms", "faults"]

    private static func setIOS(_ ios: inout SimulatorProfile.IOS, key: String, value: String, name: String) throws(SimulatorControlError) {
        switch key {
        case "find_my": ios.device.findMyAssociated = try flag(key, value)
        case "passcode": ios.device.passwordProtected = try flag(key, value)
        case "supervised": ios.device.supervised = try flag(key, value)
        case "activation_state":
            guard ["Activated", "Unactivated"].contains(value) else {
                throw SimulatorControlError("activation_state takes Activated or Unactivated, not \(value).")
            }
            ios.device.activationState = value
        case "mdm_organization": ios.device.mdmOrganization = value == "none" ? nil : value
        case "device_name": ios.device.deviceName = value
        case "product_version": ios.device.productVersion = value
        case "battery.cycle_count": ios.device.battery.cycleCount = try number(key, value)
        case "battery.nominal_charge_capacity_mah": ios.device.battery.nominalChargeCapacity = try number(key, value)
        case "slow_replies_ms": ios.latency = .milliseconds(try number(key, value))
        case "faults":
            guard value == "none" else { throw SimulatorControlError("faults takes none (the device behaves from now on), not \(value).") }
            ios.misbehaviour = nil
            ios.latency = .zero
        default:
            throw SimulatorControlError("\(key) is not a value an iOS device can change: use \(iOSKeys.joined(separator: ", ")).")
        }
    }

    private static func setAndroid(
        _ configuration: inout ADBDeviceSimulator.Configuration, key: String, value: String, name: String
    ) throws(SimulatorControlError) {
        switch key {
        case "accounts":
            var accounts: [(name: String, type: String)] = []
            if value != "none" {
                for item in value.split(separator: ",") {
                    let parts = item.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2 else {
                        throw SimulatorControlError("accounts takes none or NAME:TYPE[,NAME:TYPE...] (aigerim@gmail.com:com.google), not \(value).")
                    }
                    accounts.append((String(parts[0]), String(parts[1])))
                }
            }
            configuration.profile.commands["dumpsys account"] = .init(stdout: ADBDeviceProfile.accountDump(accounts))
        case "screen_lock":
            guard ["None", "PIN", "Pattern", "Password"].contains(value) else {
                throw SimulatorControlError("screen_lock takes None, PIN, Pattern or Password, not \(value).")
            }
            configuration.profile.commands["dumpsys lock_settings"] = .init(stdout: ADBDeviceProfile.lockSettingsDump(credential: value))
        case "slow_replies_ms": configuration.shellLatency = .milliseconds(try number(key, value))
        case "faults":
            guard value == "none" else { throw SimulatorControlError("faults takes none (the phone behaves from now on), not \(value).") }
            configuration.misbehavior = .none
            configuration.shellLatency = .zero
        case _ where key.hasPrefix("prop.") && key.count > 5:
            configuration.profile.properties[String(key.dropFirst(5))] = value
        default:
            throw SimulatorControlError("\(key) is not a value an Android phone can change: use \(androidKeys.joined(separator: ", ")).")
        }
    }

    private static func flag(_ key: String, _ value: String) throws(SimulatorControlError) -> Bool {
        switch value.lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw SimulatorControlError("\(key) takes on or off, not \(value).")
        }
    }

    private static func number(_ key: String, _ value: String) throws(SimulatorControlError) -> Int {
        guard let n = Int(value), n >= 0 else { throw SimulatorControlError("\(key) takes a whole number of 0 or more, not \(value).") }
        return n
    }

    // MARK: - Helpers

    private var names: String { entries.withLock { $0.map(\.name).joined(separator: ", ") } }

    private func find(_ name: String) throws(SimulatorControlError) -> Entry {
        guard let entry = entries.withLock({ $0.first { $0.name == name } }) else {
            throw SimulatorControlError("No simulated device is called \(name): this bench has \(names).")
        }
        return entry
    }

    private func modify(_ name: String, _ body: (inout Entry) -> Void) {
        entries.withLock { entries in
            if let i = entries.firstIndex(where: { $0.name == name }) { body(&entries[i]) }
        }
    }
}

extension SimulatedBench.Entry {
    var platform: String {
        switch kind {
        case .ios: "ios"
        case .android: "android"
        }
    }
}
