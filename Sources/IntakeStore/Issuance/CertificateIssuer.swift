// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Grading

/// What a session (or `certificate issue`) asks for: the offer it accepted and the holder's document.
public struct IssueRequest: Sendable, Hashable {
    public var amount: Tenge
    public var issuedOn: CivilDate
    public var holderName: String
    /// As typed or scanned; validated here.
    public var iin: String
    /// From the identity document (the IIN's digits need not match it).
    public var birthDate: CivilDate
    public var store: Store
    public var model: CatalogModel
    /// `iPhone12,1`, `SM-G973F`; the catalog's first identifier when the device did not report one.
    public var modelIdentifier: String?
    public var imeis: [String]
    public var serial: String?
    public var grade: String
    public var ruleSet: String
    /// Why the certificate is dated before today (kept in the audit log).
    public var reason: String?
    /// The number of the identity document the holder showed, recorded with the certificate (shown masked).
    public var documentNumber: String?

    public init(
        amount: Tenge, issuedOn: CivilDate, holderName: String, iin: String, birthDate: CivilDate, store: Store,
        model: CatalogModel, modelIdentifier: String?, imeis: [String], serial: String?, grade: String, ruleSet: String,
        reason: String? = nil, documentNumber: String? = nil
    ) {
        self.reason = reason
        self.documentNumber = documentNumber
        self.amount = amount
        self.issuedOn = issuedOn
        self.holderName = holderName
        self.iin = iin
        self.birthDate = birthDate
        self.store = store
        self.model = model
        self.modelIdentifier = modelIdentifier
        self.imeis = imeis
        self.serial = serial
        self.grade = grade
        self.ruleSet = ruleSet
    }
}

/// Issues certificates: applies Grading's certificate rules (holder 21–68, valid IIN, Apple at a store that takes
/// it, one certificate per device), then has the registry number, sign and store it in one transaction.
/// A refusal is recorded in the audit log and thrown as ``StoreError/refused(_:)``.
public struct CertificateIssuer: Sendable {
    public let registry: any CertificateRegistry
    public let signer: any CertificateSigner
    public let station: StationCode
    /// Live certificates one holder may have at once (`max_live_certificates_per_holder`, default 1).
    public let holderLimit: Int

    public init(registry: any CertificateRegistry, signer: any CertificateSigner, station: StationCode? = nil, holderLimit: Int = 1) {
        self.registry = registry
        self.signer = signer
        self.station = station ?? StationCode(keyID: signer.keyID)
        self.holderLimit = max(holderLimit, 1)
    }

    public func issue(_ request: IssueRequest, consultant: String, at time: Date = Date()) async throws -> Certificate {
        let keys = CertificateRules.allDeviceKeys(imeis: request.imeis, serial: request.serial)
        // Control characters are refused before anything is looked up or stored: a NUL cut the stored name short
        // and the certificate then read as forged.
        let typed: [(String, String?)] = [
            ("consultant's name", consultant), ("model identifier", request.modelIdentifier), ("grade", request.grade),
            ("rule set", request.ruleSet), ("reason", request.reason), ("document number", request.documentNumber),
        ]
        for case let (field, text?) in typed {
            if let problem = TextInput.problem(text, field: field) {
                try await refuse(problem, key: keys.first, consultant: TextInput.shown(consultant), at: time)
            }
        }
        // The keys of one request name one device: the registry remembers that even when this request is refused,
        // so a later IMEI-only or serial-only request for the same phone finds the certificate it already has.
        // A registry that checks inside its issuing transaction (the chain) is not asked twice.
        var live: Certificate?
        if !registry.checksDevicesWhenIssuing {
            try await registry.link(keys)
            live = try await registry.liveCertificate(forAnyOf: keys)
        }
        let result = CertificateRules.terms(
            amount: request.amount, issuedOn: request.issuedOn, holderName: request.holderName, iin: request.iin,
            birthDate: request.birthDate, store: request.store, model: request.model, imeis: request.imeis,
            serial: request.serial, alreadyCertified: { [live] _ in live != nil })
        let terms: CertificateTerms
        switch result {
        case .success(let accepted):
            terms = accepted
        case .failure(let refusal):
            // Name the certificate the device already has, so the consultant can look it up.
            let sentences = refusal.refusals.map { item in
                guard item.code == "already_certified", let live else { return item.reason }
                return registry.alreadyCertified(live)
            }
            try await refuse(sentences.joined(separator: " "), key: keys.first, consultant: consultant, at: time)
        }
        let identifier = request.modelIdentifier ?? request.model.identifiers.first ?? request.model.id
        let serial = SerialNumber.normalize(request.serial)
        let fields: [(String, String)] = [
            ("holder's name", terms.holderName), ("model identifier", identifier), ("model name", terms.modelName),
            ("serial number", serial ?? ""), ("grade", request.grade), ("rule set", request.ruleSet),
            ("store id", terms.storeID), ("reason", request.reason ?? ""), ("document number", request.documentNumber ?? ""),
        ]
        if let (name, _) = fields.first(where: { $0.1.utf8.count > 120 }) {
            try await refuse("The \(name) is longer than 120 bytes: shorten it.", key: terms.deviceKey, consultant: consultant, at: time)
        }
        if request.grade.isEmpty || request.ruleSet.isEmpty {
            try await refuse("A certificate needs the grade and the rule set it was graded under.", key: terms.deviceKey, consultant: consultant, at: time)
        }
        let reason = request.reason.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        var draft = CertificateDraft(
            terms: terms, deviceKeys: keys, deviceSerial: serial, modelIdentifier: identifier, grade: request.grade,
            ruleSet: request.ruleSet, reason: reason, holderDocument: request.documentNumber.flatMap(DocumentNumber.init))
        draft.holderLimit = holderLimit
        do {
            return try await registry.issue(draft, signer: signer, station: station, consultant: consultant, at: time)
        } catch StoreError.refused(let sentence) {
            try await refuse(sentence, key: terms.deviceKey, consultant: consultant, at: time)
        }
    }

    private func refuse(_ sentence: String, key: DeviceKey?, consultant: String, at time: Date) async throws -> Never {
        try await registry.record(
            AuditEvent(event: "certificate.refused", consultant: consultant, deviceKey: key, reason: sentence, time: time))
        throw StoreError.refused(sentence)
    }
}
