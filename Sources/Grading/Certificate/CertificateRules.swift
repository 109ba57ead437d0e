// SPDX-License-Identifier: Apache-2.0

/// The key that makes "one certificate per device" checkable: the IMEI, or the serial number when the device
/// has no IMEI (AirPods, most iPads and watches, MacBook).
public struct DeviceKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// `imei:356938035643809` or `serial:DX3VK1ABN70F`.
    public let rawValue: String

    public init?(rawValue: String) {
        if rawValue.hasPrefix("imei:"), IMEI.isValid(String(rawValue.dropFirst(5))) {
            self.rawValue = rawValue
        } else if rawValue.hasPrefix("serial:"), rawValue.count > 7 {
            self.rawValue = rawValue
        } else {
            return nil
        }
    }

    private init(unchecked: String) { rawValue = unchecked }

    public static func imei(_ imei: String) -> DeviceKey { DeviceKey(unchecked: "imei:" + imei) }
    public static func serial(_ serial: String) -> DeviceKey { DeviceKey(unchecked: "serial:" + serial) }

    public static func < (lhs: DeviceKey, rhs: DeviceKey) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let key = DeviceKey(rawValue: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not a device key (imei:… or serial:…).")
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The rules of the trade-in certificate (`trade-in-rules.md`, "The certificate").
public enum CertificateRules {
    /// Valid for 12 calendar months from the signing of the sale agreement.
    public static let validityMonths = 12

    /// The last day the certificate is valid: the issue date plus 12 calendar months (29 February → 28 February).
    public static func expiry(issuedOn issue: CivilDate) -> CivilDate { issue.adding(months: validityMonths) }

    /// Whether a certificate issued on `issue` can still be spent on `day` (from the issue date to the expiry
    /// date, both inclusive).
    public static func isValid(issuedOn issue: CivilDate, on day: CivilDate) -> Bool {
        day >= issue && day <= expiry(issuedOn: issue)
    }

    /// The device's key: its smallest IMEI (so a dual-SIM phone has one key whatever slot order was read), else its
    /// serial number (``SerialNumber/normalize(_:)``), else `nil` (no certificate can be issued). IMEIs are
    /// normalised first (``IMEI/normalize(_:)``); a malformed one gives no key here, and ``terms(amount:issuedOn:holderName:iin:birthDate:store:model:imeis:serial:alreadyCertified:)``
    /// refuses it.
    public static func deviceKey(imeis: [String], serial: String?) -> DeviceKey? {
        if let imei = normalizedIMEIs(imeis).min() { return .imei(imei) }
        if let serial = SerialNumber.normalize(serial) { return .serial(serial) }
        return nil
    }

    /// Every key the device can be known by (each IMEI, and the serial), normalised: a registry checks them all so
    /// a second certificate is refused whichever of them was read, and however it was spelled, the first time.
    public static func allDeviceKeys(imeis: [String], serial: String?) -> [DeviceKey] {
        var keys = Set(normalizedIMEIs(imeis).map(DeviceKey.imei))
        if let serial = SerialNumber.normalize(serial) { keys.insert(.serial(serial)) }
        return keys.sorted()
    }

    /// The well-formed IMEIs of `imeis`, as 15 digits each.
    static func normalizedIMEIs(_ imeis: [String]) -> [String] {
        imeis.compactMap { try? IMEI.normalize($0).get() }
    }

    /// The refusal of every malformed IMEI in `imeis` (one sentence each).
    public static func malformedIMEIs(_ imeis: [String]) -> [Refusal] {
        imeis.compactMap { text in
            guard case .failure(let malformed) = IMEI.normalize(text) else { return nil }
            return Refusal(code: "bad_imei", reason: malformed.description)
        }
    }

    /// The holder check: a valid IIN, age 21–68 on `day` from the document's birth date; a birth date that
    /// disagrees with the IIN is a warning only.
    public static func checkHolder(iin text: String, birthDate: CivilDate, on day: CivilDate) -> HolderCheck {
        switch IIN.validate(text) {
        case .failure(let error):
            return HolderCheck(iin: nil, age: nil, refusals: [Refusal(code: "bad_iin", reason: error.description)], warnings: [])
        case .success(let iin):
            let verdict = HolderAge.check(birthDate: birthDate, on: day)
            let refusals = verdict.refusal.map { [Refusal(code: "holder_age", reason: $0)] } ?? []
            let warnings = HolderAge.mismatchWarning(iin: iin, birthDate: birthDate).map { [$0] } ?? []
            return HolderCheck(iin: iin, age: verdict.age, refusals: refusals, warnings: warnings)
        }
    }

    /// Checks everything a certificate needs and returns its terms, or every reason it cannot be issued.
    /// `alreadyCertified` is asked for each of the device's keys (the registry answers it).
    public static func terms(
        amount: Tenge, issuedOn day: CivilDate, holderName: String, iin: String, birthDate: CivilDate, store: Store,
        model: CatalogModel, imeis: [String], serial: String?, alreadyCertified: (DeviceKey) -> Bool
    ) -> Result<CertificateTerms, CertificateRefusal> {
        var refusals: [Refusal] = []
        let holder = checkHolder(iin: iin, birthDate: birthDate, on: day)
        refusals += holder.refusals
        let name = holderName.trimmingASCIIWhitespace()
        if name.isEmpty {
            refusals.append(Refusal(code: "holder_name", reason: "The holder's name is empty: type it as on the identity document."))
        }
        if amount <= .zero {
            refusals.append(Refusal(code: "amount", reason: "A certificate's amount must be above zero tenge."))
        }
        if model.family.isApple, !store.acceptsApple {
            refusals.append(Refusal(
                code: "store_takes_no_apple",
                reason: "The store \(store.id) takes no Apple products, so it cannot issue a certificate for this \(model.displayName)."))
        }
        refusals += malformedIMEIs(imeis)
        if let problem = TextInput.problem(holderName, field: "holder's name") {
            refusals.append(Refusal(code: "holder_name", reason: problem))
        }
        if let serial, let problem = TextInput.problem(serial, field: "serial number") {
            refusals.append(Refusal(code: "serial", reason: problem))
        }
        let key = deviceKey(imeis: imeis, serial: serial)
        if key == nil, refusals.allSatisfy({ $0.code != "bad_imei" }) {
            refusals.append(Refusal(code: "device_key", reason: "The device has neither a valid IMEI nor a serial number: type one of them."))
        }
        if let taken = allDeviceKeys(imeis: imeis, serial: serial).first(where: alreadyCertified) {
            refusals.append(Refusal(
                code: "already_certified",
                reason: "This device (\(taken)) already has a certificate: one device gives one certificate."))
        }
        guard refusals.isEmpty, let key, let validIIN = holder.iin else {
            return .failure(CertificateRefusal(refusals: refusals))
        }
        return .success(CertificateTerms(
            amount: amount, issuedOn: day, expiresOn: expiry(issuedOn: day), holderName: name, iin: validIIN,
            storeID: store.id, modelID: model.id, modelName: model.displayName, deviceKey: key, warnings: holder.warnings))
    }
}

/// The holder check's outcome.
public struct HolderCheck: Sendable, Hashable {
    public var iin: IIN?
    public var age: Int?
    public var refusals: [Refusal]
    public var warnings: [String]
    public var isEligible: Bool { refusals.isEmpty }
}

/// What a certificate states: single use, whole amount, not transferable, in the holder's name.
public struct CertificateTerms: Sendable, Hashable, Codable {
    public var amount: Tenge
    public var issuedOn: CivilDate
    /// The last valid day.
    public var expiresOn: CivilDate
    public var holderName: String
    public var iin: IIN
    public var storeID: String
    public var modelID: String
    public var modelName: String
    public var deviceKey: DeviceKey
    /// Non-blocking notes (an IIN whose digits disagree with the document's birth date).
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case amount, issuedOn = "issued_on", expiresOn = "expires_on", holderName = "holder_name", iin
        case storeID = "store_id", modelID = "model_id", modelName = "model_name", deviceKey = "device_key", warnings
    }
}

/// Why a certificate cannot be issued: every reason, each a sentence.
public struct CertificateRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var refusals: [Refusal]
    public var description: String { refusals.map(\.reason).joined(separator: " ") }
}
