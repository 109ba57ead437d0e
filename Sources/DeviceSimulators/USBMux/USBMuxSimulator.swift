// SPDX-License-Identifier: Apache-2.0
//
// A usbmuxd of our own, for the demo and the tests: protocol version 1 (plist messages) as libusbmuxd 2.0.2
// speaks it, with simulated iPhones and iPads behind it (lockdownd and two services, see the extensions).
// Each client connection runs on its own thread with blocking POSIX sockets; no NIO.

import Foundation
public import Logging
import Synchronization

/// An in-process usbmuxd with simulated iOS devices behind it.
///
/// Start it, point libusbmuxd at it with `USBMUXD_SOCKET_ADDRESS` = ``socketAddress`` (in this process or a
/// child's environment), attach devices, and script their behaviour at run time.
public final class USBMuxSimulator: Sendable {
    /// The value for `USBMUXD_SOCKET_ADDRESS`: `UNIX:/path` or `127.0.0.1:PORT`.
    public let socketAddress: String
    /// The host's BUID, as `ReadBUID` answers it.
    public let systemBUID: String
    let listener: USBMuxListener
    let state = Mutex(State())
    /// Where each request is logged at debug level (`simulate --log-level debug`); `nil` logs nothing.
    let logger: Logger?
    /// More listening sockets for the same devices (`listenOnLoopback(port:)`).
    private let extraListeners = Mutex<[USBMuxListener]>([])

    struct State {
        var running = true
        var nextDeviceID: UInt32 = 1
        var nextServicePort: UInt16 = 49_152
        var devices: [UInt32: AttachedDevice] = [:]
        /// Connections that sent `Listen`: they get `Attached`, `Detached` and `Paired` messages.
        var listeners: [ObjectIdentifier: USBMuxConnection] = [:]
        /// Every open connection, so `stop()` can end them.
        var connections: [ObjectIdentifier: USBMuxConnection] = [:]
        /// Pair records saved by clients, by record id (the UDID).
        var pairRecords: [String: Data] = [:]
        /// Device-side state that outlives a plug cycle (the phone remembers whom it trusts), by UDID.
        var trustedHosts: [String: Set<String>] = [:]
        var statistics: [String: Statistics] = [:]
    }

    struct AttachedDevice {
        var profile: SimulatedIOSDevice
        var latency: Duration
        var misbehaviour: SimulatedMisbehaviour?
        var pairAttempts = 0
        /// Replies sent so far on its lockdown and service connections (for `.dropAfterRequests`).
        var repliesSent = 0
        /// Ports handed out by `StartService`, waiting for their `Connect`.
        var servicePorts: [UInt16: String] = [:]
        /// Lockdown and service connections to this device, ended when it is unplugged.
        var connections: [ObjectIdentifier: USBMuxConnection] = [:]
    }

    /// What a device has been asked, for tests that check a reader's economy (one session, one relay).
    public struct Statistics: Sendable, Hashable {
        public var lockdownConnections = 0
        public var sessionsStarted = 0
        public var servicesStarted: [String: Int] = [:]
        public var requests: [String: Int] = [:]
        /// The options of each MCInstall `EraseDevice` request received (`PreserveDataPlan`, `DisallowProximitySetup`).
        public var eraseRequests: [[String: Bool]] = []
    }

    // MARK: - Lifecycle

    /// Starts a simulator on a new UNIX socket in `directory` (a fresh temporary directory by default).
    public static func start(unixSocketIn directory: String? = nil, logger: Logger? = nil) throws -> USBMuxSimulator {
        let dir = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("usbmuxd-sim-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return USBMuxSimulator(listener: try .unix(path: dir + "/usbmuxd"), logger: logger)
    }

    /// Starts a simulator on a UNIX socket at exactly `path` (an old socket file there is replaced).
    public static func start(unixSocketAt path: String, logger: Logger? = nil) throws -> USBMuxSimulator {
        USBMuxSimulator(listener: try .unix(path: path), logger: logger)
    }

    /// Starts a simulator on 127.0.0.1 with a free TCP port.
    public static func startTCP() throws -> USBMuxSimulator {
        USBMuxSimulator(listener: try .loopbackTCP(), logger: nil)
    }

    private init(listener: USBMuxListener, logger: Logger?) {
        self.listener = listener
        self.socketAddress = listener.address
        self.systemBUID = UUID().uuidString
        self.logger = logger
        let thread = Thread { [self] in acceptLoop(listener) }
        thread.name = "usbmuxd-sim accept"
        thread.start()
    }

    /// Listens on 127.0.0.1 too (port 0: a free one), for the same devices; returns the `USBMUXD_SOCKET_ADDRESS`
    /// value for it (`127.0.0.1:PORT`), which libusbmuxd reconnects to after a restart where a UNIX socket may not.
    public func listenOnLoopback(port: UInt16 = 0) throws -> String {
        let extra = try USBMuxListener.loopbackTCP(port: port)
        extraListeners.withLock { $0.append(extra) }
        let thread = Thread { [self] in acceptLoop(extra) }
        thread.name = "usbmuxd-sim accept tcp"
        thread.start()
        return extra.address
    }

    /// Stops listening and ends every connection; clients see usbmuxd go away.
    public func stop() {
        let open = state.withLock { state -> [USBMuxConnection] in
            guard state.running else { return [] }
            state.running = false
            return Array(state.connections.values)
        }
        listener.shutDown()
        extraListeners.withLock { $0 }.forEach { $0.shutDown() }
        open.forEach { $0.shutDown() }
    }

    deinit { stop() }

    // MARK: - Scripting

    /// Plugs a device in; listeners get `Attached`. Returns its usbmuxd device id.
    ///
    /// With `alreadyPaired`, the device arrives as one this host paired with before: usbmuxd holds a pair record
    /// for it and the device trusts the record's HostID, so a reader goes straight to its session without the
    /// Trust dialog (and without libimobiledevice generating keys). The record's certificates are placeholders:
    /// the simulator's sessions are plain text, so nothing ever checks them.
    @discardableResult
    public func attach(
        _ device: SimulatedIOSDevice, latency: Duration = .zero, misbehaviour: SimulatedMisbehaviour? = nil,
        alreadyPaired: Bool = false
    ) -> UInt32 {
        if alreadyPaired {
            let hostID = UUID().uuidString
            let placeholder = Data("-----BEGIN CERTIFICATE-----\nsimulator placeholder\n-----END CERTIFICATE-----\n".utf8)
            let record: USBMuxDictionary = [
                "HostID": hostID, "SystemBUID": systemBUID, "HostCertificate": placeholder, "RootCertificate": placeholder,
                "DeviceCertificate": placeholder, "WiFiMACAddress": "a4:c3:37:12:9e:00",
            ]
            let data = (try? PropertyListSerialization.data(fromPropertyList: record, format: .binary, options: 0)) ?? Data()
            state.withLock { state in
                state.pairRecords[device.udid] = data
                state.trustedHosts[device.udid, default: []].insert(hostID)
            }
        }
        let (id, listeners) = state.withLock { state -> (UInt32, [USBMuxConnection]) in
            let id = state.nextDeviceID
            state.nextDeviceID += 1
            state.devices[id] = AttachedDevice(profile: device, latency: latency, misbehaviour: misbehaviour)
            return (id, Array(state.listeners.values))
        }
        let message = USBMuxPlist.xml(Self.attachedMessage(id: id, device: device))
        listeners.forEach { $0.write(USBMuxPlist.usbmuxFrame(tag: 0, message)) }
        return id
    }

    /// Unplugs the device: its connections end mid-stream and listeners get `Detached`.
    public func detach(udid: String) {
        let (removed, listeners) = state.withLock { state -> ([(UInt32, AttachedDevice)], [USBMuxConnection]) in
            let matches = state.devices.filter { $0.value.profile.udid == udid }
            matches.keys.forEach { state.devices[$0] = nil }
            return (matches.map { ($0.key, $0.value) }, Array(state.listeners.values))
        }
        for (id, device) in removed {
            device.connections.values.forEach { $0.shutDown() }
            let message = USBMuxPlist.xml(["MessageType": "Detached", "DeviceID": Int(id)])
            listeners.forEach { $0.write(USBMuxPlist.usbmuxFrame(tag: 0, message)) }
        }
    }

    /// Changes how the owner answers the Trust dialog (unlocks the phone, taps Trust...).
    public func setTrust(_ trust: SimulatedIOSDevice.Trust, udid: String) {
        updateDevice(udid: udid) { $0.profile.trust = trust; $0.pairAttempts = 0 }
    }

    /// Changes the device's misbehaviour; `nil` makes it behave again.
    public func setMisbehaviour(_ misbehaviour: SimulatedMisbehaviour?, udid: String) {
        updateDevice(udid: udid) { $0.misbehaviour = misbehaviour }
    }

    /// Changes the delay before each of the device's replies.
    public func setLatency(_ latency: Duration, udid: String) {
        updateDevice(udid: udid) { $0.latency = latency }
    }

    /// Makes the device forget every host it trusted, as "Reset Location & Privacy" does.
    public func forgetTrustedHosts(udid: String) {
        state.withLock { $0.trustedHosts[udid] = nil }
    }

    /// The UDIDs plugged in now.
    public var attachedUDIDs: [String] {
        state.withLock { state in state.devices.sorted { $0.key < $1.key }.map(\.value.profile.udid) }
    }

    /// What the device has been asked since the simulator started.
    public func statistics(udid: String) -> Statistics {
        state.withLock { $0.statistics[udid] ?? Statistics() }
    }

    /// Whether a client has saved a pair record for this UDID.
    public func hasPairRecord(udid: String) -> Bool {
        state.withLock { $0.pairRecords[udid] != nil }
    }

    /// Changes what a plugged-in device reports from its next request on (Find My turned off, another battery...).
    /// Returns `false` when no device with that UDID is plugged in.
    @discardableResult
    public func update(udid: String, _ body: (inout SimulatedIOSDevice) -> Void) -> Bool {
        var found = false
        updateDevice(udid: udid) {
            body(&$0.profile)
            found = true
        }
        return found
    }

    func updateDevice(udid: String, _ body: (inout AttachedDevice) -> Void) {
        state.withLock { state in
            for key in state.devices.keys where state.devices[key]?.profile.udid == udid {
                body(&state.devices[key]!)
            }
        }
    }

    func count(udid: String, _ body: (inout Statistics) -> Void) {
        state.withLock { state in body(&state.statistics[udid, default: Statistics()]) }
    }

    // MARK: - usbmuxd protocol

    private func acceptLoop(_ listener: USBMuxListener) {
        defer { listener.release() }
        while let connection = listener.accept() {
            let accepted = state.withLock { state -> Bool in
                guard state.running else { return false }
                state.connections[ObjectIdentifier(connection)] = connection
                return true
            }
            guard accepted else {
                connection.release()
                return
            }
            let thread = Thread { [self] in
                serve(connection)
                state.withLock { state in
                    state.connections[ObjectIdentifier(connection)] = nil
                    state.listeners[ObjectIdentifier(connection)] = nil
                }
                connection.release()
            }
            thread.name = "usbmuxd-sim client"
            thread.start()
        }
    }

    /// One client: usbmuxd messages until it sends `Listen` (then it only receives) or a successful `Connect`
    /// (then the socket carries the device's service).
    private func serve(_ connection: USBMuxConnection) {
        while let header = connection.read(exactly: 16) {
            let length = Int(USBMuxPlist.uint32LE(header[0..<4]))
            let tag = USBMuxPlist.uint32LE(header[12..<16])
            guard length >= 16, length <= 1 << 20, let payload = connection.read(exactly: length - 16) else { return }
            guard let message = USBMuxPlist.dictionary(payload), let type = USBMuxPlist.string(message["MessageType"]) else {
                reply(connection, tag: tag, result: 1)
                return
            }
            logger?.debug("usbmuxd request", metadata: ["usbmuxd.message": "\(type)", "usbmuxd.tag": "\(tag)"])
            switch type {
            case "ListDevices":
                let devices = state.withLock { state in state.devices.sorted { $0.key < $1.key } }
                let list = devices.map { Self.attachedMessage(id: $0.key, device: $0.value.profile) }
                connection.write(USBMuxPlist.usbmuxFrame(tag: tag, USBMuxPlist.xml(["DeviceList": list])))
            case "Listen":
                let devices = state.withLock { state -> [(UInt32, AttachedDevice)] in
                    state.listeners[ObjectIdentifier(connection)] = connection
                    return state.devices.sorted { $0.key < $1.key }
                }
                reply(connection, tag: tag, result: 0)
                for (id, device) in devices {
                    connection.write(USBMuxPlist.usbmuxFrame(
                        tag: 0, USBMuxPlist.xml(Self.attachedMessage(id: id, device: device.profile))))
                }
            case "Connect":
                let id = UInt32(truncatingIfNeeded: USBMuxPlist.integer(message["DeviceID"]) ?? 0)
                // PortNumber carries the port in network byte order (libusbmuxd sends htons(port)).
                let port = UInt16(bigEndian: UInt16(truncatingIfNeeded: USBMuxPlist.integer(message["PortNumber"]) ?? 0))
                connect(connection, tag: tag, deviceID: id, port: port)
                return
            case "ReadBUID":
                connection.write(USBMuxPlist.usbmuxFrame(tag: tag, USBMuxPlist.xml(["BUID": systemBUID])))
            case "ReadPairRecord":
                let id = USBMuxPlist.string(message["PairRecordID"]) ?? ""
                if let record = state.withLock({ $0.pairRecords[id] }) {
                    connection.write(USBMuxPlist.usbmuxFrame(tag: tag, USBMuxPlist.xml(["PairRecordData": record])))
                } else {
                    reply(connection, tag: tag, result: 2)
                }
            case "SavePairRecord":
                guard let id = USBMuxPlist.string(message["PairRecordID"]), let data = USBMuxPlist.data(message["PairRecordData"])
                else {
                    reply(connection, tag: tag, result: 1)
                    continue
                }
                let deviceID = USBMuxPlist.integer(message["DeviceID"])
                let listeners = state.withLock { state -> [USBMuxConnection] in
                    state.pairRecords[id] = data
                    return Array(state.listeners.values)
                }
                reply(connection, tag: tag, result: 0)
                if let deviceID {
                    let paired = USBMuxPlist.xml(["MessageType": "Paired", "DeviceID": deviceID])
                    listeners.forEach { $0.write(USBMuxPlist.usbmuxFrame(tag: 0, paired)) }
                }
            case "DeletePairRecord":
                let id = USBMuxPlist.string(message["PairRecordID"]) ?? ""
                state.withLock { _ = $0.pairRecords.removeValue(forKey: id) }
                reply(connection, tag: tag, result: 0)
            default:
                reply(connection, tag: tag, result: 1)
            }
        }
    }

    private func reply(_ connection: USBMuxConnection, tag: UInt32, result: Int) {
        connection.write(USBMuxPlist.usbmuxFrame(tag: tag, USBMuxPlist.xml(["MessageType": "Result", "Number": result])))
    }

    private func connect(_ connection: USBMuxConnection, tag: UInt32, deviceID: UInt32, port: UInt16) {
        enum Target { case lockdown(SimulatedIOSDevice), service(String, SimulatedIOSDevice), refused, noDevice }
        let target = state.withLock { state -> Target in
            guard var device = state.devices[deviceID] else { return .noDevice }
            let result: Target
            if port == 62_078 {
                result = .lockdown(device.profile)
            } else if let service = device.servicePorts.removeValue(forKey: port) {
                result = .service(service, device.profile)
            } else {
                return .refused
            }
            device.connections[ObjectIdentifier(connection)] = connection
            state.devices[deviceID] = device
            return result
        }
        switch target {
        case .noDevice:
            reply(connection, tag: tag, result: 2)
        case .refused:
            reply(connection, tag: tag, result: 3)
        case .lockdown(let profile):
            reply(connection, tag: tag, result: 0)
            count(udid: profile.udid) { $0.lockdownConnections += 1 }
            LockdownSession(simulator: self, connection: connection, deviceID: deviceID, udid: profile.udid).run()
        case .service(let name, let profile):
            reply(connection, tag: tag, result: 0)
            serveService(name, connection: connection, deviceID: deviceID, udid: profile.udid)
        }
        state.withLock { _ = $0.devices[deviceID]?.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    static func attachedMessage(id: UInt32, device: SimulatedIOSDevice) -> USBMuxDictionary {
        [
            "MessageType": "Attached",
            "DeviceID": Int(id),
            "Properties": [
                "ConnectionSpeed": 480_000_000,
                "ConnectionType": "USB",
                "DeviceID": Int(id),
                "LocationID": Int(0x0110_0000 + id),
                "ProductID": device.usbProductID,
                // usbmuxd reports the USB serial: the UDID without its dash (libusbmuxd puts it back).
                "SerialNumber": device.udid.replacingOccurrences(of: "-", with: ""),
            ] as USBMuxDictionary,
        ]
    }
}
