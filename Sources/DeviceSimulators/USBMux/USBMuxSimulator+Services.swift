// SPDX-License-Identifier: Apache-2.0
//
// The two device services a trade-in read and erase need, behind the ports StartService hands out:
// `com.apple.mobile.diagnostics_relay` (IORegistry, Goodbye) and `com.apple.mobile.MCInstall`
// (GetCloudConfiguration, GetProfileList, Flush, EraseDevice), both property-list services with lockdownd's framing.

import Foundation

extension USBMuxSimulator {
    static let diagnosticsRelay = "com.apple.mobile.diagnostics_relay"
    static let mcInstall = "com.apple.mobile.MCInstall"
    static let services: Set<String> = [diagnosticsRelay, mcInstall]

    func serveService(_ service: String, connection: USBMuxConnection, deviceID: UInt32, udid: String) {
        while let request = readDeviceRequest(connection) {
            guard let profile = profile(deviceID: deviceID) else { return }
            let silent = state.withLock { $0.devices[deviceID]?.misbehaviour == .serviceNeverAnswers(service: service) }
            // A service that never answers: it reads on and says nothing until the client gives up.
            if silent { continue }
            let name = USBMuxPlist.string(request["Request"]) ?? USBMuxPlist.string(request["RequestType"]) ?? ""
            count(udid: udid) { $0.requests[name, default: 0] += 1 }
            logger?.debug("service request", metadata: ["device.udid": "\(udid)", "service": "\(service)", "service.request": "\(name)"])
            if service == Self.mcInstall, name == "EraseDevice" {
                eraseDevice(request: request, profile: profile, connection: connection, deviceID: deviceID, udid: udid)
                return
            }
            let reply = service == Self.diagnosticsRelay
                ? diagnosticsReply(name, request: request, profile: profile)
                : mcInstallReply(name, profile: profile)
            guard sendDeviceReply(reply, tags: [name, service], connection: connection, deviceID: deviceID), name != "Goodbye"
            else { return }
        }
    }

    private func diagnosticsReply(_ name: String, request: USBMuxDictionary, profile: SimulatedIOSDevice) -> USBMuxDictionary {
        switch name {
        case "IORegistry":
            let battery = profile.battery
            let wanted = USBMuxPlist.string(request["EntryName"]) == battery.entryName
                || USBMuxPlist.string(request["EntryClass"]) == "IOPMPowerSource"
            guard wanted else { return ["Status": "Failure"] }
            var entry: USBMuxDictionary = [
                "DesignCapacity": battery.designCapacity, "CycleCount": battery.cycleCount,
                "CurrentCapacity": battery.currentCapacity, "MaxCapacity": 100, "Temperature": battery.temperature,
                "Voltage": 4_012, "IsCharging": true, "ExternalConnected": true, "FullyCharged": false,
                "BatteryInstalled": true, "Serial": "F5D" + profile.serialNumber,
            ]
            if let nominal = battery.nominalChargeCapacity { entry["NominalChargeCapacity"] = nominal }
            if let raw = battery.appleRawMaxCapacity { entry["AppleRawMaxCapacity"] = raw }
            return ["Status": "Success", "Diagnostics": ["IORegistry": entry] as USBMuxDictionary]
        case "Goodbye":
            return ["Status": "Success"]
        default:
            return ["Status": "UnknownRequest"]
        }
    }

    private func mcInstallReply(_ name: String, profile: SimulatedIOSDevice) -> USBMuxDictionary {
        switch name {
        case "GetCloudConfiguration":
            var configuration: USBMuxDictionary = ["CloudConfigurationUIComplete": true, "IsSupervised": profile.supervised]
            if let organization = profile.mdmOrganization {
                configuration["OrganizationName"] = organization
                configuration["ConfigurationURL"] = "https://mdm.example.kz/enroll"
                configuration["IsMandatory"] = true
                configuration["IsMDMUnremovable"] = true
            }
            return ["Status": "Acknowledged", "CloudConfiguration": configuration]
        case "Flush":
            return ["Status": "Acknowledged"]
        case "GetProfileList":
            return ["Status": "Acknowledged", "OrderedIdentifiers": [String](), "ProfileMetadata": USBMuxDictionary()]
        default:
            return ["Status": "Error", "ErrorChain": [["ErrorDomain": "MCInstallationErrorDomain", "ErrorCode": 4001] as USBMuxDictionary]]
        }
    }
}

extension USBMuxSimulator {
    /// MCInstall `EraseDevice` (pymobiledevice3 `mobile_config.py`): the options are recorded as sent (which a
    /// real device requires of them is not documented: go-ios sends `PreserveDataPlan` as an integer and no
    /// `DisallowProximitySetup`), and the profile decides the answer. An erasing device acknowledges, then
    /// reboots: its links drop, it leaves usbmuxd and (per its profile) comes back erased under a new handle.
    func eraseDevice(request: USBMuxDictionary, profile: SimulatedIOSDevice, connection: USBMuxConnection, deviceID: UInt32, udid: String) {
        let preserve = request["PreserveDataPlan"] as? Bool
        let disallow = request["DisallowProximitySetup"] as? Bool
        count(udid: udid) { stats in
            var options: [String: Bool] = [:]
            options["PreserveDataPlan"] = preserve
            options["DisallowProximitySetup"] = disallow
            stats.eraseRequests.append(options)
        }
        if case .refuses(let status) = profile.erase {
            _ = sendDeviceReply(["Status": status], tags: ["EraseDevice", Self.mcInstall], connection: connection, deviceID: deviceID)
            return
        }
        _ = sendDeviceReply(["Status": "Acknowledged"], tags: ["EraseDevice", Self.mcInstall], connection: connection, deviceID: deviceID)
        let latency = state.withLock { $0.devices[deviceID]?.latency ?? .zero }
        let thread = Thread { [self] in
            detach(udid: udid)
            switch profile.erase {
            case .erases(let delay):
                // The erase destroys the keys of every host the phone trusted: the old pair record is refused.
                state.withLock { $0.trustedHosts[udid] = nil }
                Thread.sleep(forTimeInterval: delay.seconds)
                attach(profile.erased, latency: latency)
            case .returnsStillActivated(let delay):
                Thread.sleep(forTimeInterval: delay.seconds)
                attach(profile, latency: latency)
            case .neverReturns, .refuses:
                break
            }
        }
        thread.name = "usbmuxd-sim erase \(udid)"
        thread.start()
    }
}

/// The devices' public key, PKCS#1 PEM (`RSA PUBLIC KEY`), as lockdownd's `DevicePublicKey` gives it.
/// libimobiledevice reads it with `PEM_read_bio_RSAPublicKey` and signs a device certificate over it while
/// pairing. A fixture generated once with `openssl genrsa 2048 | openssl rsa -RSAPublicKey_out`: sessions stay
/// plain text, so no device ever needs the private half.
let simulatedDevicePublicKey = """
    -----BEGIN RSA PUBLIC KEY-----
    MIIBCgKCAQEAxxkr9am7C1JtZy3xRVru7scMvbPcKCsKvsnKgLz706JpQq5AV41P
    HJHdVFBdjlgpJGEXr4CeUO2GzAJwCI6sdzMibwhC0kXVehsCfMC8WdZEtJPVnnTu
    OXrLABJSuJ86t29PoFhS+djLJBJw0VHzYL0GkM0nkVCvo/XSYSifLiUltXEfVo0d
    UwdJpGPJYgFkhaP+mefwfY7sCd3opLPVFrmF4f0GBwEMmkqIW7lijpeJl1d9zNVv
    pvM5DlEVEiXRACDSTmxV0ZtOmnwHpwe9HBDD2TYniJtLA6KMu5/dbJ2nC4tUGC0f
    XE35DoqP+sfsDf696ZbyaZdWd2OyfkXQoQIDAQAB
    -----END RSA PUBLIC KEY-----

    """
