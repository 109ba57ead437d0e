// SPDX-License-Identifier: Apache-2.0
import Crypto
import Foundation
public import Grading

/// Everything a certificate's signature covers, in the order of its canonical encoding.
///
/// ## Canonical encoding (format 1)
/// The 4 ASCII bytes `IAC1`, then each field below in this order as one length byte (0...255) followed by that
/// many bytes. Text is UTF-8 as stored (no normalisation: the bytes signed are the bytes stored); dates are 8 ASCII
/// digits `YYYYMMDD`; the amount is ASCII decimal whole tenge; the holder commitment and the key id are raw bytes.
///
/// | # | field | bytes |
/// |---|---|---|
/// | 1 | number | `ALA-2611-7KA2B3-X` |
/// | 2 | store id | `ALA-SAMAL2-100` |
/// | 3 | issued on | `20261123` |
/// | 4 | expires on (last valid day) | `20271123` |
/// | 5 | amount, KZT | `185000` |
/// | 6 | holder name | UTF-8 |
/// | 7 | holder IIN, masked | `90010130****` |
/// | 8 | holder commitment | 16 bytes: SHA-256(`IAC1-IIN` ‖ salt ‖ the 12 IIN digits), first 16 bytes |
/// | 9 | device key | `imei:352094117788999` or `serial:…` |
/// | 10 | device serial | may be empty |
/// | 11 | model identifier | `iPhone12,1`, `SM-G973F` |
/// | 12 | model name | `iPhone 11` |
/// | 13 | grade | `B` |
/// | 14 | rule set | `2026-11-a` |
/// | 15 | key id | 8 bytes |
///
/// A length-prefixed field list, rather than JSON, leaves nothing to interpretation (key order, escaping, number
/// formats) and is also the QR payload's body, so the verifier checks exactly the bytes it decoded.
/// The full IIN is bound through the salted commitment: the salt stays in the registry, so the QR (which a
/// photograph of the slip gives away) reveals only the masked IIN, while changing the stored IIN breaks the
/// signature.
public struct CertificateContent: Sendable, Hashable {
    public var number: CertificateNumber
    public var storeID: String
    public var issuedOn: CivilDate
    public var expiresOn: CivilDate
    public var amount: Tenge
    public var holderName: String
    public var holderIINMasked: String
    public var holderCommitment: [UInt8]
    public var deviceKey: DeviceKey
    public var deviceSerial: String
    public var modelIdentifier: String
    public var modelName: String
    public var grade: String
    public var ruleSet: String
    public var keyID: KeyID

    public init(
        number: CertificateNumber, storeID: String, issuedOn: CivilDate, expiresOn: CivilDate, amount: Tenge,
        holderName: String, holderIINMasked: String, holderCommitment: [UInt8], deviceKey: DeviceKey,
        deviceSerial: String, modelIdentifier: String, modelName: String, grade: String, ruleSet: String, keyID: KeyID
    ) {
        self.number = number
        self.storeID = storeID
        self.issuedOn = issuedOn
        self.expiresOn = expiresOn
        self.amount = amount
        self.holderName = holderName
        self.holderIINMasked = holderIINMasked
        self.holderCommitment = holderCommitment
        self.deviceKey = deviceKey
        self.deviceSerial = deviceSerial
        self.modelIdentifier = modelIdentifier
        self.modelName = modelName
        self.grade = grade
        self.ruleSet = ruleSet
        self.keyID = keyID
    }

    static let magic: [UInt8] = Array("IAC1".utf8)
    static let fieldCount = 15

    /// The commitment to a holder's full IIN under a salt (see the table above).
    public static func commitment(iin: IIN, salt: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array("IAC1-IIN".utf8))
        hasher.update(data: salt)
        hasher.update(data: Array(iin.digits.utf8))
        return Array(hasher.finalize().prefix(16))
    }

    private var fields: [[UInt8]] {
        [
            Array(number.rawValue.utf8), Array(storeID.utf8), Self.dateBytes(issuedOn), Self.dateBytes(expiresOn),
            Array(String(amount.amount).utf8), Array(holderName.utf8), Array(holderIINMasked.utf8), holderCommitment,
            Array(deviceKey.rawValue.utf8), Array(deviceSerial.utf8), Array(modelIdentifier.utf8),
            Array(modelName.utf8), Array(grade.utf8), Array(ruleSet.utf8), keyID.bytes,
        ]
    }

    /// The bytes the station signs. Throws when a field is longer than 255 bytes (the issuer refuses such input
    /// earlier, with a sentence naming the field).
    public func canonicalEncoding() throws -> [UInt8] {
        var out = Self.magic
        for (index, field) in fields.enumerated() {
            guard field.count <= 255 else {
                throw StoreError.invalid("Certificate field \(index + 1) is longer than 255 bytes.")
            }
            out.append(UInt8(field.count))
            out += field
        }
        return out
    }

    /// Parses a canonical encoding; `nil` for anything malformed (wrong magic, truncated, trailing bytes, a field
    /// that does not parse).
    public static func decode(canonical bytes: ArraySlice<UInt8>) -> CertificateContent? {
        guard bytes.starts(with: magic) else { return nil }
        var index = bytes.startIndex + magic.count
        var fields: [[UInt8]] = []
        while fields.count < fieldCount {
            guard index < bytes.endIndex else { return nil }
            let length = Int(bytes[index])
            index += 1
            guard bytes.endIndex - index >= length else { return nil }
            fields.append(Array(bytes[index..<index + length]))
            index += length
        }
        guard index == bytes.endIndex else { return nil }
        func text(_ i: Int) -> String? { String(validating: fields[i], as: UTF8.self) }
        guard let numberText = text(0), let number = CertificateNumber(numberText), numberText == number.rawValue,
            let storeID = text(1), let issued = date(fields[2]), let expires = date(fields[3]),
            let amountText = text(4), let amount = Int(amountText), String(amount) == amountText,
            let holderName = text(5), let masked = text(6), fields[7].count == 16,
            let keyText = text(8), let deviceKey = DeviceKey(rawValue: keyText),
            let serial = text(9), let identifier = text(10), let modelName = text(11), let grade = text(12),
            let ruleSet = text(13), let keyID = KeyID(bytes: fields[14])
        else { return nil }
        return CertificateContent(
            number: number, storeID: storeID, issuedOn: issued, expiresOn: expires, amount: Tenge(amount),
            holderName: holderName, holderIINMasked: masked, holderCommitment: fields[7], deviceKey: deviceKey,
            deviceSerial: serial, modelIdentifier: identifier, modelName: modelName, grade: grade, ruleSet: ruleSet,
            keyID: keyID)
    }

    private static func dateBytes(_ day: CivilDate) -> [UInt8] {
        Array(String(format: "%04d%02d%02d", day.year, day.month, day.day).utf8)
    }

    private static func date(_ bytes: [UInt8]) -> CivilDate? {
        guard bytes.count == 8, bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let year = Int(text.prefix(4)), let month = Int(text.dropFirst(4).prefix(2)), let day = Int(text.suffix(2))
        else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }
}
