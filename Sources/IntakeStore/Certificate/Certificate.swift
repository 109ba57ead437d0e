// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Grading

/// A certificate's place in its life: issued → printed → redeemed, or voided from issued or printed.
///
/// "Live" means the device is spoken for: issued, printed and redeemed certificates are live (a redeemed one was
/// traded in: the device never gets a second certificate); a voided one frees the device.
public enum CertificateStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case issued, printed, redeemed, voided

    public var isLive: Bool { self != .voided }
}

/// A certificate as the registry holds it: the signed content, the signature, the holder's full IIN (only here)
/// and its life so far.
public struct Certificate: Sendable, Hashable {
    public var content: CertificateContent
    public var signature: Data
    /// The holder's full IIN: never logged, listed or printed (use ``CertificateContent/holderIINMasked``).
    public var holderIIN: IIN
    /// The salt of the holder commitment (16 random bytes).
    public var holderSalt: [UInt8]
    /// Every key the device is known by (each IMEI, the serial); each is spoken for while the certificate is live.
    public var deviceKeys: [DeviceKey]
    public var status: CertificateStatus
    public var printCount: Int
    public var consultant: String
    public var createdAt: Date
    public var voidReason: String?
    public var redemption: Redemption.Split?
    /// The number of the holder's identity document as typed: kept with the full IIN, never logged, listed or
    /// printed (use ``holderDocumentMasked``). `nil` for certificates issued before it was recorded.
    public var holderDocument: DocumentNumber?

    public init(
        content: CertificateContent, signature: Data, holderIIN: IIN, holderSalt: [UInt8], deviceKeys: [DeviceKey],
        status: CertificateStatus, printCount: Int, consultant: String, createdAt: Date, voidReason: String?,
        redemption: Redemption.Split?, holderDocument: DocumentNumber? = nil
    ) {
        self.holderDocument = holderDocument
        self.content = content
        self.signature = signature
        self.holderIIN = holderIIN
        self.holderSalt = holderSalt
        self.deviceKeys = deviceKeys
        self.status = status
        self.printCount = printCount
        self.consultant = consultant
        self.createdAt = createdAt
        self.voidReason = voidReason
        self.redemption = redemption
    }

    public var number: CertificateNumber { content.number }

    /// The document number as listings, logs and `--json` output show it (`N123*****`).
    public var holderDocumentMasked: String? { holderDocument?.masked }

    /// The QR payload of this certificate.
    public func payload() throws -> CertificatePayload {
        try CertificatePayload(content: content, signature: signature)
    }

    /// Whether the stored fields still match the signature (and the full IIN the commitment): anything changed
    /// after issuance, by hand or by a damaged file, makes this false.
    public func verify(with keys: KeyRing) -> Bool {
        guard CertificateContent.commitment(iin: holderIIN, salt: holderSalt) == content.holderCommitment,
            content.holderIINMasked == holderIIN.masked,
            let canonical = try? content.canonicalEncoding()
        else { return false }
        return keys.isValid(signature: signature, of: canonical, by: content.keyID)
    }

    /// Whether it can be spent on `day` (the expiry date is the last valid day).
    public func isExpired(on day: CivilDate) -> Bool { day > content.expiresOn }

    /// What listings, logs and `--json` output show: everything but the full IIN.
    public var summary: CertificateSummary { CertificateSummary(self) }
}

/// A certificate with the IIN masked, for listings, logs and JSON (`snake_case` keys, amounts as integers).
public struct CertificateSummary: Sendable, Hashable, Codable {
    public var number: CertificateNumber
    public var status: CertificateStatus
    public var storeID: String
    public var issuedOn: CivilDate
    public var expiresOn: CivilDate
    public var amount: Tenge
    public var holderName: String
    public var holderIIN: String
    /// Masked like the IIN.
    public var holderDocument: String?
    public var deviceKey: DeviceKey
    public var deviceSerial: String?
    public var modelIdentifier: String
    public var modelName: String
    public var grade: String
    public var ruleSet: String
    public var keyID: KeyID
    public var printCount: Int
    public var consultant: String
    public var voidReason: String?
    public var redemption: Redemption.Split?

    init(_ certificate: Certificate) {
        let content = certificate.content
        number = content.number
        status = certificate.status
        storeID = content.storeID
        issuedOn = content.issuedOn
        expiresOn = content.expiresOn
        amount = content.amount
        holderName = content.holderName
        holderIIN = content.holderIINMasked
        holderDocument = certificate.holderDocumentMasked
        deviceKey = content.deviceKey
        deviceSerial = content.deviceSerial.isEmpty ? nil : content.deviceSerial
        modelIdentifier = content.modelIdentifier
        modelName = content.modelName
        grade = content.grade
        ruleSet = content.ruleSet
        keyID = content.keyID
        printCount = certificate.printCount
        consultant = certificate.consultant
        voidReason = certificate.voidReason
        redemption = certificate.redemption
    }

    enum CodingKeys: String, CodingKey {
        case number, status, storeID = "store_id", issuedOn = "issued_on", expiresOn = "expires_on"
        case amount = "amount_kzt", holderName = "holder_name", holderIIN = "holder_iin"
        case holderDocument = "holder_document", deviceKey = "device_key"
        case deviceSerial = "device_serial", modelIdentifier = "model_identifier", modelName = "model_name", grade
        case ruleSet = "rule_set", keyID = "key_id", printCount = "print_count", consultant
        case voidReason = "void_reason", redemption
    }
}

/// Errors of the registry and the signing: each `description` one sentence saying what was wrong and what to do.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A refusal a consultant acts on (duplicate device, expired, voided, redeemed, holder, store, blocklist).
    case refused(String)
    /// No certificate with that number.
    case notFound(CertificateNumber)
    /// Input that cannot be stored or parsed.
    case invalid(String)
    /// The data directory or a file in it cannot be used.
    case io(String)
    /// The database was written by a newer build.
    case newerDatabase(String)
    /// The stored row no longer matches its signature: changed outside the agent, or forged.
    case altered(CertificateNumber)

    public var description: String {
        switch self {
        case .refused(let sentence), .invalid(let sentence), .io(let sentence), .newerDatabase(let sentence):
            sentence
        case .altered(let number):
            "Certificate \(number) is ALTERED: its stored row no longer matches its signature, so it was changed outside intake-agent or forged; do not accept, print or redeem it, and restore the registry from the backup."
        case .notFound(let number):
            "No certificate \(number) is in this registry: check the number, or look it up at the store that issued it."
        }
    }
}
