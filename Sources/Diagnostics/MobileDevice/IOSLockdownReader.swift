// SPDX-License-Identifier: Apache-2.0
//
// One attempt at reading a device, on its own thread (see BlockingWork): connect to lockdownd, read the
// public identity, pair if this host has no record, start ONE session, and read every fact through it: the
// root domain in one GetValue, com.apple.disk_usage, com.apple.fmip, then com.apple.mobile.MCInstall and one
// com.apple.mobile.diagnostics_relay connection. Sessions follow libimobiledevice 1.3.0's own
// `lockdownd_client_new_with_handshake`, unrolled so that the identity read and the session share a connection.

import CIMobileDevice
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The facts read so far; the awaiting side takes them as they are when a step overruns its deadline.
final class IOSFactsBox: Sendable {
    private let facts: Mutex<IOSDeviceFacts>
    /// Called on the reading thread as soon as the public identity is read, before pairing.
    let onIdentity: @Sendable (IOSDeviceFacts) -> Void
    init(udid: String, onIdentity: @escaping @Sendable (IOSDeviceFacts) -> Void = { _ in }) {
        facts = Mutex(IOSDeviceFacts(udid: udid))
        self.onIdentity = onIdentity
    }
    func update(_ body: (inout IOSDeviceFacts) -> Void) { facts.withLock { body(&$0) } }
    var snapshot: IOSDeviceFacts { facts.withLock { $0 } }
}

/// What one attempt ended with: the facts (in the box) and, when it stopped early, why.
struct IOSReadAttempt: Sendable {
    var facts: IOSDeviceFacts
    var failure: DiagnosticsError?
}

enum IOSLockdownReader {
    static let label = "intake-agent"

    enum Step {
        static let connect = "the lockdown connection"
        static let identity = "its identity"
        static let pairing = "the pairing"
        static let session = "the lockdown session"
        static let values = "its lockdown values"
        static let storage = "its storage (com.apple.disk_usage)"
        static let findMy = "Find My (com.apple.fmip)"
        static let mdm = "its device management (com.apple.mobile.MCInstall)"
        static let battery = "its battery (com.apple.mobile.diagnostics_relay)"
    }

    /// C handles this attempt holds; freed on the reading thread after the result has been handed over.
    final class Handles {
        var device: idevice_t?
        var lockdown: lockdownd_client_t?
        deinit {
            // Sends StopSession and Goodbye when the connection is still up.
            if let lockdown { lockdownd_client_free(lockdown) }
            if let device { idevice_free(device) }
        }
    }

    /// Runs one attempt and hands its result to `clock`; then frees the connection.
    static func attempt(udid: String, box: IOSFactsBox, clock: StepClock<IOSReadAttempt>, pairingTimeout: Duration) {
        let handles = Handles()
        let failure = read(udid: udid, box: box, clock: clock, handles: handles, pairingTimeout: pairingTimeout)
        clock.finish(IOSReadAttempt(facts: box.snapshot, failure: failure))
        withExtendedLifetime(handles) {}
    }

    private static func read(
        udid: String, box: IOSFactsBox, clock: StepClock<IOSReadAttempt>, handles: Handles, pairingTimeout: Duration
    ) -> DiagnosticsError? {
        IOSMux.configureFromEnvironment()
        clock.begin(Step.connect)
        let found = idevice_new_with_options(&handles.device, udid, IDEVICE_LOOKUP_USBMUX)
        guard found == IDEVICE_E_SUCCESS, let device = handles.device
        else { return .notFound(udid: udid, underlying: IDeviceError(found)) }
        if let error = LockdownError(lockdownd_client_new(device, &handles.lockdown, label)) {
            return failure(error, step: Step.connect, udid: udid)
        }
        guard let client = handles.lockdown, !clock.abandoned else { return nil }

        // MARK: Public identity, before pairing
        clock.begin(Step.identity)
        switch getValue(client, domain: nil, key: nil) {
        case .success(let values):
            box.update { $0.applyIdentity(values) }
            box.onIdentity(box.snapshot)
        case .failure(let error): return failure(error, step: Step.identity, udid: udid)
        }

        // MARK: Pairing and the session
        clock.begin(Step.pairing, timeout: pairingTimeout)
        var hostID = pairRecordHostID(udid: udid)
        if hostID == nil {
            if let error = LockdownError(lockdownd_pair(client, nil)) {
                return pairingOutcome(error, box: box, udid: udid)
            }
            hostID = pairRecordHostID(udid: udid)
        }
        guard let knownHostID = hostID else { return .refused(reading: Step.pairing, LockdownError.pairingFailed) }
        clock.begin(Step.session)
        var error = LockdownError(lockdownd_start_session(client, knownHostID, nil, nil))
        if error == .invalidHostID {
            // The phone no longer trusts our record (it was erased, or "Reset Location & Privacy"): pair again.
            _ = usbmuxd_delete_pair_record(udid)
            clock.begin(Step.pairing, timeout: pairingTimeout)
            if let pairError = LockdownError(lockdownd_pair(client, nil)) {
                return pairingOutcome(pairError, box: box, udid: udid)
            }
            guard let newHostID = pairRecordHostID(udid: udid) else { return .refused(reading: Step.pairing, LockdownError.pairingFailed) }
            clock.begin(Step.session)
            error = LockdownError(lockdownd_start_session(client, newHostID, nil, nil))
        }
        if let error { return failure(error, step: Step.session, udid: udid) }
        box.update { $0.pairing = .paired }

        // MARK: Everything else through the one session
        clock.begin(Step.values)
        switch getValue(client, domain: nil, key: nil) {
        case .success(let values): box.update { $0.applySessionValues(values) }
        case .failure(let error): return failure(error, step: Step.values, udid: udid)
        }
        guard !clock.abandoned else { return nil }

        clock.begin(Step.storage)
        switch getValue(client, domain: "com.apple.disk_usage", key: nil) {
        case .success(let values): box.update { $0.totalDiskCapacity = values?["TotalDiskCapacity"]?.integer }
        case .failure(let error):
            if let stop = optionalStepFailed(error, step: Step.storage, client: client, box: box, udid: udid) { return stop }
        }

        clock.begin(Step.findMy)
        switch getValue(client, domain: "com.apple.fmip", key: "IsAssociated") {
        case .success(let value): box.update { $0.findMyAssociated = value?.bool }
        case .failure(.missingValue): break
        case .failure(let error):
            if let stop = optionalStepFailed(error, step: Step.findMy, client: client, box: box, udid: udid) { return stop }
        }
        guard !clock.abandoned else { return nil }

        clock.begin(Step.mdm)
        switch cloudConfiguration(device: device, client: client) {
        case .success(let configuration): box.update { $0.cloudConfiguration = configuration }
        case .failure(let error):
            if let stop = optionalStepFailed(error, step: Step.mdm, client: client, box: box, udid: udid) { return stop }
        }
        guard !clock.abandoned else { return nil }

        clock.begin(Step.battery)
        switch battery(device: device, client: client) {
        case .success(let battery):
            box.update { facts in
                facts.battery = battery
                if battery == nil { facts.problems.append("The device gave no battery registry entry: battery health is unknown.") }
            }
        case .failure(let error):
            if let stop = optionalStepFailed(error, step: Step.battery, client: client, box: box, udid: udid) { return stop }
        }
        return nil
    }

    // MARK: - Outcomes

    /// The Trust dialog's answer, recorded as the pairing state; any other pairing error is a failure.
    private static func pairingOutcome(_ error: LockdownError, box: IOSFactsBox, udid: String) -> DiagnosticsError? {
        if let state = IOSPairingState(pairingError: error) {
            box.update { $0.pairing = state }
            return nil
        }
        return failure(error, step: Step.pairing, udid: udid)
    }

    /// A step the read cannot go on without.
    private static func failure(_ error: LockdownError, step: String, udid: String) -> DiagnosticsError {
        if !IOSMux.isAttachedBlocking(udid: udid) { return .deviceGone(step: step, underlying: error) }
        switch error {
        case .plistError: return .protocolViolation(step: step, underlying: error)
        case .muxError, .receiveTimeout, .ssl: return .stoppedAnswering(step: step, underlying: error)
        default: return .refused(reading: step, error)
        }
    }

    /// A step whose fact can be missing: note it and go on, unless the device is gone or the connection broke.
    /// A refusal and a dropped connection can come back as the same library error (a write into a closed
    /// socket reads as an unknown error), so the lockdown connection is asked one public value: when that
    /// fails too, the phone dropped the link and the read stops here with what it has.
    private static func optionalStepFailed(
        _ error: LockdownError, step: String, client: lockdownd_client_t, box: IOSFactsBox, udid: String
    ) -> DiagnosticsError? {
        let failure = failure(error, step: step, udid: udid)
        if failure.code == .deviceGone || failure.code == .stoppedAnswering { return failure }
        if case .failure(let probe) = getValue(client, domain: nil, key: "ProductVersion") {
            return .stoppedAnswering(step: step, underlying: probe)
        }
        box.update { $0.problems.append(failure.message) }
        return nil
    }

    // MARK: - lockdownd

    /// The corresponding C function is `lockdownd_get_value`.
    static func getValue(_ client: lockdownd_client_t, domain: String?, key: String?) -> Result<IOSPlistValue?, LockdownError> {
        var node: plist_t?
        let rc = lockdownd_get_value(client, domain, key, &node)
        defer { if let node { plist_free(node) } }
        if let error = LockdownError(rc) { return .failure(error) }
        return .success(IOSPlistValue(node: node))
    }

    /// The HostID of the pair record usbmuxd keeps for the device, if there is one.
    /// The corresponding C function is `usbmuxd_read_pair_record`.
    static func pairRecordHostID(udid: String) -> String? {
        var data: UnsafeMutablePointer<CChar>?
        var size: UInt32 = 0
        guard usbmuxd_read_pair_record(udid, &data, &size) == 0, let data else { return nil }
        defer { free(data) }
        var record: plist_t?
        plist_from_memory(data, size, &record)
        guard let record else { return nil }
        defer { plist_free(record) }
        return IOSPlistValue(node: record)?["HostID"]?.string
    }

    /// Starts a service through the session. The corresponding C function is `lockdownd_start_service`.
    private static func startService(
        _ client: lockdownd_client_t, _ name: String
    ) -> Result<lockdownd_service_descriptor_t, LockdownError> {
        var service: lockdownd_service_descriptor_t?
        let rc = lockdownd_start_service(client, name, &service)
        if let error = LockdownError(rc) {
            if let service { lockdownd_service_descriptor_free(service) }
            return .failure(error)
        }
        guard let service else { return .failure(.unknown) }
        return .success(service)
    }

    // MARK: - MCInstall

    /// `GetCloudConfiguration` through a property-list service client (libimobiledevice 1.3.0 has no
    /// MCInstall client). The corresponding C functions are `property_list_service_send_xml_plist` and
    /// `property_list_service_receive_plist`.
    static func cloudConfiguration(device: idevice_t, client: lockdownd_client_t) -> Result<IOSDeviceFacts.CloudConfiguration, LockdownError> {
        let service: lockdownd_service_descriptor_t
        switch startService(client, "com.apple.mobile.MCInstall") {
        case .success(let s): service = s
        case .failure(let error): return .failure(error)
        }
        defer { lockdownd_service_descriptor_free(service) }
        var plc: property_list_service_client_t?
        guard property_list_service_client_new(device, service, &plc) == PROPERTY_LIST_SERVICE_E_SUCCESS, let plc else {
            return .failure(.muxError)
        }
        defer { property_list_service_client_free(plc) }
        let request = plist_new_dict()
        plist_dict_set_item(request, "RequestType", plist_new_string("GetCloudConfiguration"))
        let sent = property_list_service_send_xml_plist(plc, request)
        plist_free(request)
        guard sent == PROPERTY_LIST_SERVICE_E_SUCCESS else { return .failure(.muxError) }
        var reply: plist_t?
        let received = property_list_service_receive_plist(plc, &reply)
        defer { if let reply { plist_free(reply) } }
        switch received {
        case PROPERTY_LIST_SERVICE_E_SUCCESS: break
        case PROPERTY_LIST_SERVICE_E_PLIST_ERROR: return .failure(.plistError)
        case PROPERTY_LIST_SERVICE_E_RECEIVE_TIMEOUT: return .failure(.receiveTimeout)
        default: return .failure(.muxError)
        }
        guard let value = IOSPlistValue(node: reply), value["Status"]?.string == "Acknowledged" else { return .failure(.unknown) }
        let configuration = value["CloudConfiguration"]
        return .success(IOSDeviceFacts.CloudConfiguration(
            organizationName: configuration?["OrganizationName"]?.string,
            configurationURL: configuration?["ConfigurationURL"]?.string,
            isSupervised: configuration?["IsSupervised"]?.bool,
            isMDMUnremovable: configuration?["IsMDMUnremovable"]?.bool))
    }

    // MARK: - diagnostics_relay

    /// The battery's IORegistry entry through one diagnostics_relay connection: `AppleSmartBattery`, else
    /// `AppleARMPMUCharger` (iPhone 7 and older). `nil` when the device has neither.
    /// The corresponding C function is `diagnostics_relay_query_ioregistry_entry`.
    static func battery(device: idevice_t, client: lockdownd_client_t) -> Result<IOSDeviceFacts.Battery?, LockdownError> {
        let service: lockdownd_service_descriptor_t
        switch startService(client, "com.apple.mobile.diagnostics_relay") {
        case .success(let s): service = s
        case .failure(let error): return .failure(error)
        }
        defer { lockdownd_service_descriptor_free(service) }
        var relay: diagnostics_relay_client_t?
        guard diagnostics_relay_client_new(device, service, &relay) == DIAGNOSTICS_RELAY_E_SUCCESS, let relay else {
            return .failure(.muxError)
        }
        defer {
            diagnostics_relay_goodbye(relay)
            diagnostics_relay_client_free(relay)
        }
        for entryName in ["AppleSmartBattery", "AppleARMPMUCharger"] {
            var result: plist_t?
            let rc = diagnostics_relay_query_ioregistry_entry(relay, entryName, nil, &result)
            defer { if let result { plist_free(result) } }
            switch rc {
            case DIAGNOSTICS_RELAY_E_SUCCESS:
                guard let entry = IOSPlistValue(node: result)?["IORegistry"], entry.dictionary?.isEmpty == false else { continue }
                return .success(IOSDeviceFacts.Battery(
                    source: entryName, designCapacity: entry["DesignCapacity"]?.integer,
                    nominalChargeCapacity: entry["NominalChargeCapacity"]?.integer,
                    appleRawMaxCapacity: entry["AppleRawMaxCapacity"]?.integer, cycleCount: entry["CycleCount"]?.integer,
                    currentCapacity: entry["CurrentCapacity"]?.integer, temperature: entry["Temperature"]?.integer))
            case DIAGNOSTICS_RELAY_E_PLIST_ERROR: return .failure(.plistError)
            case DIAGNOSTICS_RELAY_E_MUX_ERROR: return .failure(.muxError)
            default: continue
            }
        }
        return .success(nil)
    }
}

extension IOSDeviceFacts {
    mutating func applyIdentity(_ values: IOSPlistValue?) {
        productType = values?["ProductType"]?.string ?? productType
        productVersion = values?["ProductVersion"]?.string ?? productVersion
        buildVersion = values?["BuildVersion"]?.string ?? buildVersion
        deviceClass = values?["DeviceClass"]?.string ?? deviceClass
        deviceName = values?["DeviceName"]?.string ?? deviceName
    }

    mutating func applySessionValues(_ values: IOSPlistValue?) {
        applyIdentity(values)
        serialNumber = values?["SerialNumber"]?.string
        imei = ["InternationalMobileEquipmentIdentity", "InternationalMobileEquipmentIdentity2"].compactMap {
            values?[$0]?.string.flatMap { $0.isEmpty ? nil : $0 }
        }
        activationState = values?["ActivationState"]?.string
        passcodeSet = values?["PasswordProtected"]?.bool
        deviceColor = values?["DeviceColor"]?.string
        enclosureColor = values?["DeviceEnclosureColor"]?.string
        simStatus = values?["SIMStatus"]?.string
    }
}
