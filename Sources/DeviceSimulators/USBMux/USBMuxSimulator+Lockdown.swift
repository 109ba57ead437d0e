// SPDX-License-Identifier: Apache-2.0
//
// lockdownd on port 62078 of a simulated device: 4-byte big-endian framed plists, QueryType, GetValue (the public
// subset before a session), Pair / ValidatePair with the Trust dialog's answers, StartSession without SSL,
// StartService, StopSession, Goodbye. Requests come as libimobiledevice 1.3.0 sends them (`lockdown.c`).

import Foundation

struct LockdownSession {
    let simulator: USBMuxSimulator
    let connection: USBMuxConnection
    let deviceID: UInt32
    let udid: String

    /// Keys lockdownd answers without a session (pymobiledevice3's `short_info`, plus the key pairing needs).
    static let publicKeys: Set<String> = [
        "ProductType", "ProductVersion", "BuildVersion", "DeviceClass", "DeviceName", "UniqueDeviceID",
        "ProductName", "DevicePublicKey",
    ]

    func run() {
        var sessionID: String?
        while let request = simulator.readDeviceRequest(connection) {
            guard let profile = simulator.profile(deviceID: deviceID) else { return }
            let name = USBMuxPlist.string(request["Request"]) ?? ""
            simulator.count(udid: udid) { $0.requests[name, default: 0] += 1 }
            simulator.logger?.debug(
                "lockdown request",
                metadata: [
                    "device.udid": "\(udid)", "lockdown.request": "\(name)",
                    "lockdown.domain": "\(USBMuxPlist.string(request["Domain"]) ?? "")",
                    "lockdown.key": "\(USBMuxPlist.string(request["Key"]) ?? "")",
                ])
            var reply: USBMuxDictionary = ["Request": name]
            var tags = [name]
            switch name {
            case "QueryType":
                reply["Type"] = "com.apple.mobile.lockdown"
            case "GetValue":
                let domain = USBMuxPlist.string(request["Domain"])
                let key = USBMuxPlist.string(request["Key"])
                tags += [domain, key].compactMap { $0 }
                if let domain { reply["Domain"] = domain }
                if let key { reply["Key"] = key }
                getValue(profile: profile, domain: domain, key: key, session: sessionID != nil, into: &reply)
            case "Pair":
                pair(request: request, into: &reply)
            case "ValidatePair":
                let hostID = (request["PairRecord"] as? USBMuxDictionary).flatMap { USBMuxPlist.string($0["HostID"]) }
                if hostID == nil || !simulator.trusts(udid: udid, hostID: hostID!) { reply["Error"] = "InvalidHostID" }
            case "StartSession":
                let hostID = USBMuxPlist.string(request["HostID"]) ?? ""
                if simulator.trusts(udid: udid, hostID: hostID) {
                    sessionID = UUID().uuidString
                    reply["SessionID"] = sessionID
                    // libimobiledevice keeps talking without TLS when this is false; a profile with
                    // `sessionSSL` turns TLS on as a real device does (SessionTLS.swift).
                    reply["EnableSessionSSL"] = profile.sessionSSL
                    simulator.count(udid: udid) { $0.sessionsStarted += 1 }
                } else {
                    reply["Error"] = "InvalidHostID"
                }
            case "StopSession":
                sessionID = nil
            case "StartService":
                let service = USBMuxPlist.string(request["Service"]) ?? ""
                tags.append(service)
                if sessionID == nil {
                    reply["Error"] = "SessionInactive"
                } else if let port = simulator.openServicePort(service, deviceID: deviceID) {
                    reply["Service"] = service
                    reply["Port"] = Int(port)
                    reply["EnableServiceSSL"] = false
                    simulator.count(udid: udid) { $0.servicesStarted[service, default: 0] += 1 }
                } else {
                    reply["Error"] = "InvalidService"
                }
            case "Goodbye":
                reply["Result"] = "Success"
                _ = simulator.sendDeviceReply(reply, tags: tags, connection: connection, deviceID: deviceID)
                return
            default:
                reply["Error"] = "InvalidRequest"
            }
            guard simulator.sendDeviceReply(reply, tags: tags, connection: connection, deviceID: deviceID) else { return }
            if name == "StartSession", sessionID != nil, profile.sessionSSL {
                guard connection.startTLS() else { return }
            } else if name == "StopSession", profile.sessionSSL {
                connection.endTLS()
            }
        }
    }

    private func getValue(profile: SimulatedIOSDevice, domain: String?, key: String?, session: Bool, into reply: inout USBMuxDictionary) {
        var values = domain.map { Self.domainValues(profile, domain: $0) } ?? Self.rootValues(profile)
        if !session {
            guard domain == nil else {
                reply["Error"] = "GetProhibited"
                return
            }
            values = values.filter { Self.publicKeys.contains($0.key) }
        }
        guard let key else {
            reply["Value"] = values
            return
        }
        if let value = values[key] {
            reply["Value"] = value
        } else if !session && domain == nil && Self.rootValues(profile)[key] != nil {
            reply["Error"] = "GetProhibited"
        } else {
            reply["Error"] = "MissingValue"
        }
    }

    private func pair(request: USBMuxDictionary, into reply: inout USBMuxDictionary) {
        guard let record = request["PairRecord"] as? USBMuxDictionary, let hostID = USBMuxPlist.string(record["HostID"]),
            record["HostCertificate"] is Data, record["DeviceCertificate"] is Data, record["RootCertificate"] is Data,
            record["SystemBUID"] is String
        else {
            reply["Error"] = "InvalidPairRecord"
            return
        }
        if let error = simulator.answerTrustDialog(deviceID: deviceID, udid: udid, hostID: hostID) {
            reply["Error"] = error
        } else {
            reply["EscrowBag"] = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        }
    }

    static func rootValues(_ p: SimulatedIOSDevice) -> USBMuxDictionary {
        var values: USBMuxDictionary = [
            "ProductType": p.productType, "ProductVersion": p.productVersion, "BuildVersion": p.buildVersion,
            "DeviceClass": p.deviceClass, "DeviceName": p.deviceName, "UniqueDeviceID": p.udid, "ProductName": "iPhone OS",
            "DevicePublicKey": Data(simulatedDevicePublicKey.utf8), "SerialNumber": p.serialNumber,
            "ActivationState": p.activationState, "PasswordProtected": p.passwordProtected, "DeviceColor": p.deviceColor,
            "DeviceEnclosureColor": p.enclosureColor, "WiFiAddress": "a4:c3:37:12:9e:" + String(p.serialNumber.suffix(2)).lowercased(),
            "HardwareModel": "N104AP", "CPUArchitecture": "arm64e", "ProtocolVersion": "2", "TimeZone": "Asia/Almaty",
        ]
        for (slot, imei) in p.imei.enumerated() {
            values[slot == 0 ? "InternationalMobileEquipmentIdentity" : "InternationalMobileEquipmentIdentity\(slot + 1)"] = imei
        }
        if let sim = p.simStatus { values["SIMStatus"] = sim }
        return values
    }

    static func domainValues(_ p: SimulatedIOSDevice, domain: String) -> USBMuxDictionary {
        switch domain {
        case "com.apple.disk_usage", "com.apple.disk_usage.factory":
            let system = 12_000_000_000
            return [
                "TotalDiskCapacity": p.totalDiskCapacity, "TotalSystemCapacity": system,
                "TotalDataCapacity": p.totalDiskCapacity - system, "TotalDataAvailable": (p.totalDiskCapacity - system) / 3,
                "AmountDataAvailable": (p.totalDiskCapacity - system) / 3, "AmountDataReserved": 209_715_200,
            ]
        case "com.apple.fmip":
            return p.findMyAssociated.map { ["IsAssociated": $0] } ?? [:]
        case "com.apple.mobile.battery":
            return ["BatteryCurrentCapacity": p.battery.currentCapacity, "BatteryIsCharging": true, "ExternalConnected": true]
        default:
            return [:]
        }
    }
}

extension USBMuxSimulator {
    func profile(deviceID: UInt32) -> SimulatedIOSDevice? {
        state.withLock { $0.devices[deviceID]?.profile }
    }

    func trusts(udid: String, hostID: String) -> Bool {
        state.withLock { $0.trustedHosts[udid]?.contains(hostID) ?? false }
    }

    /// The Trust dialog: `nil` when the owner trusts this host, else the lockdown error a Pair request gets.
    func answerTrustDialog(deviceID: UInt32, udid: String, hostID: String) -> String? {
        state.withLock { state in
            guard var device = state.devices[deviceID] else { return "InvalidHostID" }
            defer { state.devices[deviceID] = device }
            switch device.profile.trust {
            case .accepts(let afterAttempts):
                guard device.pairAttempts >= afterAttempts else {
                    device.pairAttempts += 1
                    return "PairingDialogResponsePending"
                }
                state.trustedHosts[udid, default: []].insert(hostID)
                return nil
            case .neverAnswers:
                device.pairAttempts += 1
                return "PairingDialogResponsePending"
            case .passcodeLocked:
                return "PasswordProtected"
            case .denies:
                return "UserDeniedPairing"
            }
        }
    }

    func openServicePort(_ service: String, deviceID: UInt32) -> UInt16? {
        guard Self.services.contains(service) else { return nil }
        return state.withLock { state in
            guard state.devices[deviceID] != nil else { return nil }
            let port = state.nextServicePort
            state.nextServicePort = port == 65_000 ? 49_152 : port + 1
            state.devices[deviceID]!.servicePorts[port] = service
            return port
        }
    }

    /// Reads one 4-byte big-endian framed plist request; `nil` when the client is gone or sent garbage.
    func readDeviceRequest(_ connection: USBMuxConnection) -> USBMuxDictionary? {
        guard let header = connection.read(exactly: 4) else { return nil }
        let length = Int(USBMuxPlist.uint32BE(header))
        guard length > 0, length <= 16 << 20, let body = connection.read(exactly: length) else { return nil }
        return USBMuxPlist.dictionary(body)
    }

    /// Sends a device's reply after its latency, applying its misbehaviour when one of `tags` names the request.
    /// Returns `false` when the connection is over.
    func sendDeviceReply(_ reply: USBMuxDictionary, tags: [String], connection: USBMuxConnection, deviceID: UInt32) -> Bool {
        guard let (latency, misbehaviour, udid, sent) = state.withLock({ state in
            state.devices[deviceID].map { device in
                state.devices[deviceID]!.repliesSent += 1
                return (device.latency, device.misbehaviour, device.profile.udid, device.repliesSent)
            }
        }) else { return false }
        if latency > .zero { Thread.sleep(forTimeInterval: Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18) }
        if case .dropAfterRequests(let allowed) = misbehaviour, sent > allowed {
            logger?.debug("dropping the connection (fault: drop after \(allowed) requests)", metadata: ["device.udid": "\(udid)"])
            connection.shutDown()
            return false
        }
        let xml = USBMuxPlist.xml(reply)
        guard let misbehaviour, let request = misbehaviour.request, tags.contains(request) else {
            return connection.write(USBMuxPlist.lockdownFrame(xml))
        }
        switch misbehaviour {
        case .malformedPlist:
            return connection.write(USBMuxPlist.lockdownFrame(Array("this is not a property list".utf8)))
        case .truncatedPlist:
            return connection.write(USBMuxPlist.lockdownFrame(Array(xml.prefix(xml.count / 2))))
        case .oversizedFrame:
            connection.write(withUnsafeBytes(of: UInt32(0x7FFF_FFF0).bigEndian) { Array($0) } + Array(xml.prefix(16)))
            connection.shutDown()
            return false
        case .unplugMidRead:
            let frame = USBMuxPlist.lockdownFrame(xml)
            connection.write(Array(frame.prefix(frame.count / 2)))
            detach(udid: udid)
            return false
        case .closeAfterReply:
            connection.write(USBMuxPlist.lockdownFrame(xml))
            connection.shutDown()
            return false
        case .serviceNeverAnswers, .dropAfterRequests:
            return connection.write(USBMuxPlist.lockdownFrame(xml))
        }
    }
}
