// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading

/// A certificate as flat fields: what the chain's `certificate` row and the station's outbox hold. The one place a
/// stored certificate is taken apart and put together again outside the SQLite rows; reading one back checks every
/// field, so a damaged or hand-edited record gives a sentence, never a crash.
struct CertificateRecord: Sendable, Hashable, Codable {
    var number: String
    var status: String
    var storeID: String
    var issuedOn: String
    var expiresOn: String
    var amountKZT: Int
    var holderName: String
    var holderIINMasked: String
    var holderCommitment: Data
    var holderIIN: String
    var holderSalt: Data
    var holderDocument: String?
    var deviceKey: String
    var deviceKeys: [String]
    var deviceSerial: String
    var modelIdentifier: String
    var modelName: String
    var grade: String
    var ruleSet: String
    var keyID: String
    var signature: Data
    var consultant: String
    var createdAt: Date
    var printCount: Int
    var voidReason: String?
    var redemption: String?
}

extension CertificateRecord {
    init(_ certificate: Certificate) {
        let content = certificate.content
        number = content.number.rawValue
        status = certificate.status.rawValue
        storeID = content.storeID
        issuedOn = content.issuedOn.description
        expiresOn = content.expiresOn.description
        amountKZT = content.amount.amount
        holderName = content.holderName
        holderIINMasked = content.holderIINMasked
        holderCommitment = Data(content.holderCommitment)
        holderIIN = certificate.holderIIN.digits
        holderSalt = Data(certificate.holderSalt)
        holderDocument = certificate.holderDocument?.text
        deviceKey = content.deviceKey.rawValue
        deviceKeys = certificate.deviceKeys.map(\.rawValue)
        deviceSerial = content.deviceSerial
        modelIdentifier = content.modelIdentifier
        modelName = content.modelName
        grade = content.grade
        ruleSet = content.ruleSet
        keyID = content.keyID.hex
        signature = certificate.signature
        consultant = certificate.consultant
        createdAt = certificate.createdAt
        printCount = certificate.printCount
        voidReason = certificate.voidReason
        redemption = certificate.redemption.map { String(decoding: (try? JSONEncoder.registry.encode($0)) ?? Data(), as: UTF8.self) }
    }

    /// The certificate these fields describe; `where` names the store for the sentence ("the chain registry").
    func certificate(in place: String) throws -> Certificate {
        func damaged(_ field: String) -> StoreError {
            .invalid("The \(place)'s record of certificate \(number) is damaged (\(field)): restore it from the backup.")
        }
        guard let parsedNumber = CertificateNumber(number) else { throw damaged("number") }
        guard let parsedStatus = CertificateStatus(rawValue: status) else { throw damaged("status") }
        guard let issued = CivilDate(issuedOn) else { throw damaged("issued_on") }
        guard let expires = CivilDate(expiresOn) else { throw damaged("expires_on") }
        guard amountKZT > 0 else { throw damaged("amount_kzt") }
        guard case .success(let iin) = IIN.validate(holderIIN) else { throw damaged("holder_iin") }
        guard let key = DeviceKey(rawValue: deviceKey) else { throw damaged("device_key") }
        guard let parsedKeyID = KeyID(hex: keyID) else { throw damaged("key_id") }
        guard holderCommitment.count == 16 else { throw damaged("holder_commitment") }
        guard holderSalt.count == 16 else { throw damaged("holder_salt") }
        guard signature.count == 64 else { throw damaged("signature") }
        guard printCount >= 0 else { throw damaged("print_count") }
        let keys = try deviceKeys.map { text in
            guard let parsed = DeviceKey(rawValue: text) else { throw damaged("device keys") }
            return parsed
        }
        var split: Redemption.Split?
        if let redemption {
            guard let decoded = try? JSONDecoder().decode(Redemption.Split.self, from: Data(redemption.utf8)) else {
                throw damaged("redemption")
            }
            split = decoded
        }
        let content = CertificateContent(
            number: parsedNumber, storeID: storeID, issuedOn: issued, expiresOn: expires, amount: Tenge(amountKZT),
            holderName: holderName, holderIINMasked: holderIINMasked, holderCommitment: Array(holderCommitment),
            deviceKey: key, deviceSerial: deviceSerial, modelIdentifier: modelIdentifier, modelName: modelName,
            grade: grade, ruleSet: ruleSet, keyID: parsedKeyID)
        return Certificate(
            content: content, signature: signature, holderIIN: iin, holderSalt: Array(holderSalt),
            deviceKeys: keys.sorted(), status: parsedStatus, printCount: printCount, consultant: consultant,
            createdAt: createdAt, voidReason: voidReason, redemption: split,
            holderDocument: holderDocument.flatMap(DocumentNumber.init))
    }
}

extension CertificateDraft {
    /// The certificate this draft becomes as `number`, signed by `signer`, its device spoken for under `keys`
    /// (the draft's keys and every key linked to them). The holder's salt is fresh.
    func signed(
        as number: CertificateNumber, by signer: any CertificateSigner, keys: [DeviceKey], consultant: String,
        at time: Date
    ) throws -> Certificate {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let content = CertificateContent(
            number: number, storeID: terms.storeID, issuedOn: terms.issuedOn, expiresOn: terms.expiresOn,
            amount: terms.amount, holderName: terms.holderName, holderIINMasked: terms.iin.masked,
            holderCommitment: CertificateContent.commitment(iin: terms.iin, salt: salt),
            deviceKey: terms.deviceKey, deviceSerial: deviceSerial ?? "",
            modelIdentifier: modelIdentifier, modelName: terms.modelName, grade: grade,
            ruleSet: ruleSet, keyID: signer.keyID)
        let signature = try signer.signature(for: content.canonicalEncoding())
        return Certificate(
            content: content, signature: signature, holderIIN: terms.iin, holderSalt: salt,
            deviceKeys: Array(Set(keys + deviceKeys)).sorted(), status: .issued, printCount: 0,
            consultant: consultant, createdAt: time, voidReason: nil, redemption: nil, holderDocument: holderDocument)
    }

    /// The audit entry of this draft's issuance as `certificate` (no full IIN).
    func issuedEvent(_ certificate: Certificate, consultant: String, at time: Date) -> AuditEvent {
        AuditEvent(
            event: "certificate.issued", consultant: consultant, certificate: certificate.number,
            deviceKey: terms.deviceKey, reason: reason,
            detail: "\(terms.amount.slipText), \(terms.holderName) (\(terms.iin.masked)\(certificate.holderDocumentMasked.map { ", document \($0)" } ?? "")), \(terms.modelName), grade \(grade), rule set \(ruleSet)",
            time: time)
    }
}
