// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Grading

/// The certificate registry: the one place certificates are issued, looked up and changed, and where every change
/// and every session event is written to an append-only audit log.
///
/// Sessions, printing and the CLI talk to this protocol only, so the chain-wide PostgreSQL registry can replace the
/// embedded ``SQLiteRegistry`` without touching them. Every implementation must enforce "at most one live
/// certificate per device key" itself (not rely on callers), issue in one transaction, and refuse with
/// ``StoreError/refused(_:)`` sentences.
public protocol CertificateRegistry: Sendable {
    /// Allocates the next number at `station`, signs the certificate with `signer` and stores it with its device
    /// keys and an audit entry, all in one transaction. Refuses a device one of whose keys already has a live
    /// certificate.
    func issue(
        _ draft: CertificateDraft, signer: any CertificateSigner, station: StationCode, consultant: String,
        at time: Date
    ) async throws -> Certificate

    /// The certificate with `number`, or `nil`.
    func certificate(_ number: CertificateNumber) async throws -> Certificate?

    /// Certificates newest first, filtered.
    func list(_ filter: CertificateFilter) async throws -> [Certificate]

    /// The live certificate holding any of `keys`, or any key linked to them, if one does.
    func liveCertificate(forAnyOf keys: [DeviceKey]) async throws -> Certificate?

    /// Records that `keys` (an IMEI and a serial read or typed together) name one device, so that a later request
    /// naming only one of them finds a certificate held under another. Links are never removed.
    func link(_ keys: [DeviceKey]) async throws

    /// Voids an issued or printed certificate (freeing its device), with the reason.
    func void(_ number: CertificateNumber, reason: String, consultant: String, at time: Date) async throws -> Certificate

    /// Marks the certificate spent, once, recording how it was split; refuses an expired, voided or already
    /// redeemed one.
    func redeem(
        _ number: CertificateNumber, split: Redemption.Split, on day: CivilDate, consultant: String, at time: Date
    ) async throws -> Certificate

    /// Records a successful first print (issued → printed).
    func markPrinted(_ number: CertificateNumber, consultant: String, at time: Date) async throws -> Certificate

    /// Records a successful reprint with its reason.
    func recordReprint(_ number: CertificateNumber, reason: String, consultant: String, at time: Date) async throws
        -> Certificate

    /// Appends a session event (detected, identified, graded, refused, ...) to the audit log.
    func record(_ event: AuditEvent) async throws

    /// Audit entries, oldest first: all of them, or one certificate's.
    func audit(for number: CertificateNumber?, limit: Int?) async throws -> [AuditEntry]

    /// Whether the store's blocklist names `imei`.
    func isBlocklisted(imei: String) async throws -> Bool

    /// The refusal for a device that `live` already holds.
    func alreadyCertified(_ live: Certificate) -> String

    /// Whether ``issue(_:signer:station:consultant:at:)`` itself links the request's keys and refuses a device
    /// that has a live certificate, with ``alreadyCertified(_:)``'s sentence, so the issuer need not ask first.
    var checksDevicesWhenIssuing: Bool { get }
}

/// The refusal for a holder who already has `limit` live certificates, naming the oldest of them.
func holderLimitSentence(number: String, store: String, date: String, masked: String, limit: Int) -> String {
    "The holder (IIN \(masked)) already has certificate \(number), issued at \(store) on \(date) and not yet spent: one customer hands over one device\(limit == 1 ? "" : " (at most \(limit) live certificates)"); spend or void that certificate first."
}

extension CertificateRegistry {
    public var checksDevicesWhenIssuing: Bool { false }

    public func alreadyCertified(_ live: Certificate) -> String {
        "This device (\(live.content.deviceKey)) already has a certificate (\(live.number), \(live.status.rawValue)): one device gives one certificate."
    }
}

/// What a certificate will say, before it has a number and a signature: the terms Grading's
/// `CertificateRules.terms` produced, plus what the session knows about the device and the grade.
public struct CertificateDraft: Sendable, Hashable {
    public var terms: CertificateTerms
    /// Every key of the device (`CertificateRules.allDeviceKeys`); must include `terms.deviceKey`.
    public var deviceKeys: [DeviceKey]
    public var deviceSerial: String?
    /// `iPhone12,1`, `SM-G973F`.
    public var modelIdentifier: String
    public var grade: String
    public var ruleSet: String
    /// Why it is dated before today, for the audit log (`certificate issue --issued-on D --reason R`).
    public var reason: String?
    /// The holder's identity document number, kept beside the full IIN (``Certificate/holderDocument``).
    public var holderDocument: DocumentNumber?
    /// How many live certificates (issued or printed, not expired) one holder may have at once: the FAQ's "one
    /// device per customer" (`max_live_certificates_per_holder`, default 1), checked by the registry in the issuing
    /// transaction, across the chain where the chain registry is used.
    public var holderLimit: Int = 1

    public init(
        terms: CertificateTerms, deviceKeys: [DeviceKey], deviceSerial: String?, modelIdentifier: String,
        grade: String, ruleSet: String, reason: String? = nil, holderDocument: DocumentNumber? = nil
    ) {
        self.reason = reason
        self.holderDocument = holderDocument
        self.terms = terms
        self.deviceKeys = Array(Set(deviceKeys + [terms.deviceKey])).sorted()
        self.deviceSerial = deviceSerial
        self.modelIdentifier = modelIdentifier
        self.grade = grade
        self.ruleSet = ruleSet
    }
}

/// Signs certificates: the station key, or a hardware token later.
public protocol CertificateSigner: Sendable {
    var keyID: KeyID { get }
    func signature(for message: [UInt8]) throws -> Data
}

extension StationKey: CertificateSigner {}

/// Which certificates ``CertificateRegistry/list(_:)`` returns.
public struct CertificateFilter: Sendable, Hashable {
    public var status: CertificateStatus?
    public var issuedFrom: CivilDate?
    public var issuedThrough: CivilDate?
    public var limit: Int?

    public init(
        status: CertificateStatus? = nil, issuedFrom: CivilDate? = nil, issuedThrough: CivilDate? = nil,
        limit: Int? = nil
    ) {
        self.status = status
        self.issuedFrom = issuedFrom
        self.issuedThrough = issuedThrough
        self.limit = limit
    }
}

/// A session event or certificate change for the audit log. Free text here must not carry a full IIN: callers
/// write `IIN.masked`.
public struct AuditEvent: Sendable, Hashable {
    /// Dotted name: `session.detected`, `session.graded`, `certificate.issued`, `certificate.reprinted`, ...
    public var event: String
    public var consultant: String
    public var certificate: CertificateNumber?
    public var deviceKey: DeviceKey?
    public var reason: String?
    public var detail: String?
    public var time: Date

    public init(
        event: String, consultant: String, certificate: CertificateNumber? = nil, deviceKey: DeviceKey? = nil,
        reason: String? = nil, detail: String? = nil, time: Date
    ) {
        self.event = event
        self.consultant = consultant
        self.certificate = certificate
        self.deviceKey = deviceKey
        self.reason = reason
        self.detail = detail
        self.time = time
    }
}

/// One row of the audit log.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var time: Date
    public var event: String
    public var consultant: String
    public var certificate: String?
    public var deviceKey: String?
    public var reason: String?
    public var detail: String?

    enum CodingKeys: String, CodingKey {
        case id, time, event, consultant, certificate, deviceKey = "device_key", reason, detail
    }
}
