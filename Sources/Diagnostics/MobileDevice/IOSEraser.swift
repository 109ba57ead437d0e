// SPDX-License-Identifier: Apache-2.0
//
// Erasing an iPhone or iPad over the cable, and checking that it came back erased.
//
// The request is `com.apple.mobile.MCInstall` `EraseDevice` over a paired lockdown session, as pymobiledevice3
// (`services/mobile_config.py`, `erase_device`: `{RequestType: EraseDevice, PreserveDataPlan, DisallowProximitySetup}`,
// a closed connection after the request swallowed as success) and go-ios (`ios/mcinstall/erase.go`: `Flush`,
// `GetCloudConfiguration`, then `EraseDevice`, each answer checked for `Status: Acknowledged`) send it. Any other
// `Status` is the device's refusal (an iPhone 5C on iOS 10.3.3 answers `CommandFormatError`, go-ios#489).
// libimobiledevice 1.3.0 has no MCInstall client, so the property-list service client carries the requests.
//
// Find My is read from the device in the same session right before the request, and nothing is sent unless it
// reads off: an erase leaves Activation Lock in place, and after the erase `IsAssociated` always reads false
// (libimobiledevice#531), so it cannot be checked afterwards.

import CIMobileDevice
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the device said about itself in the session the erase was sent through (or would have been).
public struct IOSEraseFacts: Sendable, Hashable {
    public var udid: String
    public var productType: String?
    public var productVersion: String?
    public var serialNumber: String?
    public var imei: [String] = []
    public var activationState: String?
    /// `com.apple.fmip` IsAssociated; `nil` when the device gave nothing.
    public var findMyAssociated: Bool?
    /// usbmuxd's handle for the device when the request went out; a device that comes back gets a new one.
    public var muxID: UInt32?

    public init(udid: String) { self.udid = udid }
}

/// How sending the erase ended.
public enum IOSEraseRequestOutcome: Sendable, Hashable {
    /// Nothing was sent to the device: the sentence says why (Find My on or unreadable, not paired, the check refused).
    case notSent(String, facts: IOSEraseFacts)
    /// The device answered `Status: Acknowledged`.
    case acknowledged(facts: IOSEraseFacts)
    /// The request was written and the device closed the link without answering, as it does when the erase starts.
    case linkClosed(facts: IOSEraseFacts)
    /// The device answered with another `Status` (`CommandFormatError`...): nothing was erased.
    case refused(status: String, facts: IOSEraseFacts)
    /// Something failed after the request may have reached the device (no answer within the deadline).
    case uncertain(String, facts: IOSEraseFacts)

    public var facts: IOSEraseFacts {
        switch self {
        case .notSent(_, let f), .acknowledged(let f), .linkClosed(let f), .refused(_, let f), .uncertain(_, let f): f
        }
    }
}

/// What the device showed when it came back after the erase.
public struct IOSEraseVerification: Sendable, Hashable {
    /// The device was seen leaving usbmuxd (or came back under a new handle) after the request.
    public var left = false
    /// The device was listed again before the deadline.
    public var returned = false
    public var productType: String?
    public var serialNumber: String?
    /// `ActivationState` as read after the return.
    public var activationState: String?
    /// Read without pairing (`true`) or through a session paired again (`false`); `nil` when not read.
    public var readUnpaired: Bool?
    /// The pair record this bench held from before the erase: refused by the device (`true`), accepted (`false`),
    /// or there was none (`nil`).
    public var oldPairRecordRefused: Bool?
    /// Paired again without a Trust prompt (an erased phone at Setup Assistant pairs at once).
    public var pairedAgainWithoutPrompt: Bool?
    /// Why the check stopped short, when it did.
    public var problem: String?

    public init() {}

    /// The device showed it was erased: back, `Unactivated`, and no longer trusting the old pair record.
    public var showsErased: Bool {
        returned && activationState == "Unactivated" && oldPairRecordRefused != false
    }

    /// The device came back and showed it was not erased (still activated and still trusting this bench).
    public var showsNotErased: Bool {
        returned && activationState != nil && activationState != "Unactivated" && oldPairRecordRefused == false
    }
}

public enum IOSEraser {
    /// How an erase runs.
    public struct Options: Sendable {
        /// `PreserveDataPlan`: keep the eSIM's cellular plan through the erase.
        public var preserveDataPlan: Bool
        /// The deadline of each lockdown step.
        public var stepTimeout: Duration
        /// How long the device may take to leave, erase and come back.
        public var returnTimeout: Duration
        /// How often usbmuxd is asked whether the device is back.
        public var pollInterval: Duration
        /// The deadline of a Pair request after the return (libimobiledevice makes keys for it).
        public var pairingTimeout: Duration

        public init(
            preserveDataPlan: Bool = true, stepTimeout: Duration = .seconds(10), returnTimeout: Duration = .seconds(600),
            pollInterval: Duration = .milliseconds(250), pairingTimeout: Duration = .seconds(30)
        ) {
            self.preserveDataPlan = preserveDataPlan
            self.stepTimeout = stepTimeout
            self.returnTimeout = returnTimeout
            self.pollInterval = pollInterval
            self.pairingTimeout = pairingTimeout
        }
    }

    static let label = "intake-agent"

    enum Step {
        static let connect = "the lockdown connection"
        static let session = "the lockdown session"
        static let values = "its identity"
        static let findMy = "Find My (com.apple.fmip)"
        static let service = "the erase service (com.apple.mobile.MCInstall)"
        static let flush = "MCInstall Flush"
        static let cloud = "MCInstall GetCloudConfiguration"
        static let erase = "MCInstall EraseDevice"
        static let verify = "the erased device"
        static let pairing = "pairing again"
    }

    // MARK: - Sending

    /// Opens a paired session, reads the identity and Find My, asks `approve` (a sentence refuses, `nil` goes
    /// on), and only then sends `Flush`, `GetCloudConfiguration` and `EraseDevice`. Find My must read `false`.
    public static func sendErase(
        udid: String, options: Options, approve: @escaping @Sendable (IOSEraseFacts) -> String?
    ) async -> IOSEraseRequestOutcome {
        let muxID = await IOSMux.devices().first { $0.udid == udid }?.muxID
        let outcome = await BlockingWork.run(name: "ios erase \(udid)", stepTimeout: options.stepTimeout) {
            (clock: StepClock<IOSEraseRequestOutcome>) in
            var facts = IOSEraseFacts(udid: udid)
            facts.muxID = muxID
            let handles = Handles()
            let result = send(udid: udid, facts: &facts, options: options, approve: approve, clock: clock, handles: handles)
            clock.finish(result)
            withExtendedLifetime(handles) {}
        }
        switch outcome {
        case .finished(let result): return result
        case .timedOut(let step):
            var facts = IOSEraseFacts(udid: udid)
            facts.muxID = muxID
            if step == Step.erase {
                return .uncertain("The device gave no answer to the erase request in time: it may or may not be erasing.", facts: facts)
            }
            return .notSent("The device stopped answering while reading \(step), so no erase was sent: plug it in again and retry.", facts: facts)
        case .cancelled:
            // Stopped from outside at any step: whether the request had gone out is not known.
            var facts = IOSEraseFacts(udid: udid)
            facts.muxID = muxID
            return .uncertain("The erase was interrupted while talking to the device: the request may or may not have reached it.", facts: facts)
        }
    }

    /// C handles one connection holds (the reader's), freed on the working thread.
    private typealias Handles = IOSLockdownReader.Handles

    private static func send(
        udid: String, facts: inout IOSEraseFacts, options: Options, approve: (IOSEraseFacts) -> String?,
        clock: StepClock<IOSEraseRequestOutcome>, handles: Handles
    ) -> IOSEraseRequestOutcome {
        IOSMux.configureFromEnvironment()
        clock.begin(Step.connect)
        guard idevice_new_with_options(&handles.device, udid, IDEVICE_LOOKUP_USBMUX) == IDEVICE_E_SUCCESS, let device = handles.device
        else { return .notSent("No iPhone or iPad with UDID \(udid) is connected: nothing was sent.", facts: facts) }
        if let error = LockdownError(lockdownd_client_new(device, &handles.lockdown, label)) {
            return .notSent("The device's lockdown service could not be reached (\(error)): nothing was sent.", facts: facts)
        }
        guard let client = handles.lockdown else { return .notSent("The lockdown connection failed: nothing was sent.", facts: facts) }

        clock.begin(Step.session)
        guard let hostID = IOSLockdownReader.pairRecordHostID(udid: udid) else {
            return .notSent("This bench is not paired with the device: read it first (`intake-agent inspect`, then tap Trust), nothing was sent.", facts: facts)
        }
        if let error = LockdownError(lockdownd_start_session(client, hostID, nil, nil)) {
            return .notSent("The device refused this bench's pairing (\(error)): read it again with `intake-agent inspect` and tap Trust; nothing was sent.", facts: facts)
        }

        clock.begin(Step.values)
        switch IOSLockdownReader.getValue(client, domain: nil, key: nil) {
        case .success(let values):
            facts.productType = values?["ProductType"]?.string
            facts.productVersion = values?["ProductVersion"]?.string
            facts.serialNumber = values?["SerialNumber"]?.string
            facts.imei = ["InternationalMobileEquipmentIdentity", "InternationalMobileEquipmentIdentity2"].compactMap {
                values?[$0]?.string.flatMap { $0.isEmpty ? nil : $0 }
            }
            facts.activationState = values?["ActivationState"]?.string
        case .failure(let error):
            return .notSent("The device did not give its identity (\(error)): nothing was sent.", facts: facts)
        }

        clock.begin(Step.findMy)
        switch IOSLockdownReader.getValue(client, domain: "com.apple.fmip", key: "IsAssociated") {
        case .success(let value): facts.findMyAssociated = value?.bool
        case .failure(.missingValue): facts.findMyAssociated = nil
        case .failure(let error):
            return .notSent("Find My could not be read from the device (\(error)), so no erase was sent: read it again.", facts: facts)
        }
        switch facts.findMyAssociated {
        case true?:
            return .notSent("Find My is on: the customer must turn it off (Settings › their name › Find My) and the device be read again; an erase would leave Activation Lock in place, so none was sent.", facts: facts)
        case nil:
            return .notSent("The device did not say whether Find My is on, so no erase was sent: an erase cannot remove Activation Lock, and after one the device always reports Find My off.", facts: facts)
        case false?:
            break
        }
        if let refusal = approve(facts) { return .notSent(refusal, facts: facts) }
        guard !clock.abandoned else { return .notSent("The erase was abandoned before anything was sent.", facts: facts) }

        // MARK: MCInstall
        clock.begin(Step.service)
        var service: lockdownd_service_descriptor_t?
        if let error = LockdownError(lockdownd_start_service(client, "com.apple.mobile.MCInstall", &service)) {
            if let service { lockdownd_service_descriptor_free(service) }
            return .notSent("The device did not start its erase service (\(error)): nothing was sent.", facts: facts)
        }
        guard let service else { return .notSent("The device did not start its erase service: nothing was sent.", facts: facts) }
        defer { lockdownd_service_descriptor_free(service) }
        var plc: property_list_service_client_t?
        guard property_list_service_client_new(device, service, &plc) == PROPERTY_LIST_SERVICE_E_SUCCESS, let plc else {
            return .notSent("The erase service could not be reached: nothing was sent.", facts: facts)
        }
        defer { property_list_service_client_free(plc) }

        for (step, type) in [(Step.flush, "Flush"), (Step.cloud, "GetCloudConfiguration")] {
            clock.begin(step)
            let request = plist_new_dict()
            plist_dict_set_item(request, "RequestType", plist_new_string(type))
            switch exchange(plc, request, timeoutMS: milliseconds(options.stepTimeout)) {
            case .reply(let reply):
                let status = reply?["Status"]?.string ?? "no status"
                guard status == "Acknowledged" else {
                    return .notSent("The device refused \(type) (Status \(status)) before the erase: nothing was erased.", facts: facts)
                }
            case .closed, .timedOut, .failed:
                return .notSent("The erase service stopped answering at \(type): nothing was erased.", facts: facts)
            }
        }

        clock.begin(Step.erase)
        let erase = plist_new_dict()
        plist_dict_set_item(erase, "RequestType", plist_new_string("EraseDevice"))
        plist_dict_set_item(erase, "PreserveDataPlan", plist_new_bool(options.preserveDataPlan ? 1 : 0))
        plist_dict_set_item(erase, "DisallowProximitySetup", plist_new_bool(1))
        switch exchange(plc, erase, timeoutMS: milliseconds(options.stepTimeout)) {
        case .reply(let reply):
            let status = reply?["Status"]?.string ?? "no status"
            if status == "Acknowledged" { return .acknowledged(facts: facts) }
            return .refused(status: status, facts: facts)
        case .closed:
            return .linkClosed(facts: facts)
        case .timedOut:
            return .uncertain("The device gave no answer to the erase request in time: it may or may not be erasing.", facts: facts)
        case .failed(let sent):
            if sent { return .linkClosed(facts: facts) }
            return .notSent("The erase request could not be written to the device: nothing was erased.", facts: facts)
        }
    }

    private enum Exchange {
        case reply(IOSPlistValue?)
        /// The request was written; the device closed the link before answering.
        case closed
        case timedOut
        /// `sent`: whether the request was written before the failure.
        case failed(sent: Bool)
    }

    /// Sends `request` (freed here) and reads one answer. The corresponding C functions are
    /// `property_list_service_send_xml_plist` and `property_list_service_receive_plist_with_timeout`.
    private static func exchange(_ plc: property_list_service_client_t, _ request: plist_t?, timeoutMS: UInt32) -> Exchange {
        let sent = property_list_service_send_xml_plist(plc, request)
        plist_free(request)
        guard sent == PROPERTY_LIST_SERVICE_E_SUCCESS else { return .failed(sent: false) }
        var reply: plist_t?
        let received = property_list_service_receive_plist_with_timeout(plc, &reply, timeoutMS)
        defer { if let reply { plist_free(reply) } }
        switch received {
        case PROPERTY_LIST_SERVICE_E_SUCCESS: return .reply(IOSPlistValue(node: reply))
        case PROPERTY_LIST_SERVICE_E_RECEIVE_TIMEOUT: return .timedOut
        case PROPERTY_LIST_SERVICE_E_MUX_ERROR, PROPERTY_LIST_SERVICE_E_NOT_ENOUGH_DATA, PROPERTY_LIST_SERVICE_E_SSL_ERROR: return .closed
        default: return .failed(sent: true)
        }
    }

    private static func milliseconds(_ duration: Duration) -> UInt32 {
        UInt32(clamping: duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    // MARK: - The return

    /// Waits for the device to leave usbmuxd and come back (a new usbmuxd handle counts as both), calling
    /// `progress` with the time waited so far about every `progressEvery`. Returns whether it left and came back.
    public static func awaitReturn(
        udid: String, previousMuxID: UInt32?, options: Options, progressEvery: Duration = .seconds(10),
        progress: @Sendable (_ waited: Duration, _ left: Bool) -> Void = { _, _ in }
    ) async -> (left: Bool, returned: Bool) {
        let clock = ContinuousClock()
        let start = clock.now
        var left = false
        var lastProgress = start
        while clock.now - start < options.returnTimeout {
            let listed = await IOSMux.devices(timeout: options.stepTimeout).first { $0.udid == udid }
            if let listed {
                if left || (previousMuxID != nil && listed.muxID != previousMuxID) { return (true, true) }
            } else {
                left = true
            }
            if clock.now - lastProgress >= progressEvery {
                lastProgress = clock.now
                progress(clock.now - start, left)
            }
            do { try await Task.sleep(for: options.pollInterval) } catch { return (left, false) }
        }
        return (left, false)
    }

    // MARK: - Verifying

    /// Reads the returned device: its public identity, `ActivationState` unpaired where the device gives it, the
    /// old pair record (an erased device refuses it), and, paired again, `ActivationState` through a session.
    public static func verifyReturned(udid: String, options: Options) async -> IOSEraseVerification {
        let outcome = await BlockingWork.run(name: "ios erase check \(udid)", stepTimeout: options.stepTimeout) {
            (clock: StepClock<IOSEraseVerification>) in
            let handles = Handles()
            var verification = IOSEraseVerification()
            verification.left = true
            verification.returned = true
            verify(udid: udid, into: &verification, options: options, clock: clock, handles: handles)
            clock.finish(verification)
            withExtendedLifetime(handles) {}
        }
        switch outcome {
        case .finished(let verification): return verification
        case .timedOut(let step):
            var verification = IOSEraseVerification()
            verification.left = true
            verification.returned = true
            verification.problem = "The device stopped answering while checking \(step)."
            return verification
        case .cancelled:
            var verification = IOSEraseVerification()
            verification.problem = "The check was cancelled."
            return verification
        }
    }

    private static func verify(
        udid: String, into v: inout IOSEraseVerification, options: Options, clock: StepClock<IOSEraseVerification>,
        handles: Handles
    ) {
        IOSMux.configureFromEnvironment()
        clock.begin(Step.connect)
        guard idevice_new_with_options(&handles.device, udid, IDEVICE_LOOKUP_USBMUX) == IDEVICE_E_SUCCESS, let device = handles.device
        else {
            v.problem = "The device is not listed by usbmuxd any more."
            return
        }
        if let error = LockdownError(lockdownd_client_new(device, &handles.lockdown, label)) {
            v.problem = "Its lockdown service could not be reached (\(error))."
            return
        }
        guard let client = handles.lockdown else { return }
        clock.begin(Step.verify)
        if case .success(let values) = IOSLockdownReader.getValue(client, domain: nil, key: nil) {
            v.productType = values?["ProductType"]?.string
        }
        if case .success(let value) = IOSLockdownReader.getValue(client, domain: nil, key: "ActivationState"), let state = value?.string {
            v.activationState = state
            v.readUnpaired = true
        }
        clock.begin(Step.session)
        if let oldHostID = IOSLockdownReader.pairRecordHostID(udid: udid) {
            let error = LockdownError(lockdownd_start_session(client, oldHostID, nil, nil))
            if error == nil {
                v.oldPairRecordRefused = false
                readSession(client, into: &v)
                return
            }
            guard error == .invalidHostID else {
                v.problem = "The device answered the old pairing with \(error!), so its state could not be read."
                return
            }
            v.oldPairRecordRefused = true
            _ = usbmuxd_delete_pair_record(udid)
        }
        if v.activationState != nil, v.oldPairRecordRefused != nil { return }
        // Paired again: an erased phone at Setup Assistant has no passcode and pairs without a Trust prompt.
        clock.begin(Step.pairing, timeout: options.pairingTimeout)
        if let error = LockdownError(lockdownd_pair(client, nil)) {
            v.pairedAgainWithoutPrompt = false
            v.problem = error == .pairingDialogResponsePending || error == .passwordProtected
                ? "It asked for Trust or its passcode when paired again, which an erased phone does not."
                : "Pairing again failed (\(error))."
            return
        }
        v.pairedAgainWithoutPrompt = true
        clock.begin(Step.session)
        guard let newHostID = IOSLockdownReader.pairRecordHostID(udid: udid),
            LockdownError(lockdownd_start_session(client, newHostID, nil, nil)) == nil
        else {
            v.problem = "No session could be started after pairing again."
            return
        }
        readSession(client, into: &v)
    }

    private static func readSession(_ client: lockdownd_client_t, into v: inout IOSEraseVerification) {
        if case .success(let values) = IOSLockdownReader.getValue(client, domain: nil, key: nil) {
            v.serialNumber = values?["SerialNumber"]?.string
            if let state = values?["ActivationState"]?.string {
                v.activationState = state
                if v.readUnpaired == nil { v.readUnpaired = false }
            }
        } else {
            v.problem = "The device gave no values through the session."
        }
    }
}
