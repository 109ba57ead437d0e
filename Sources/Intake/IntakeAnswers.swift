// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Grading

/// What the consultant says during one intake: checklist answers, the kit, the offer decision and the holder.
/// `intake --answers FILE` reads it as JSON; the interactive prompts and the console fill the same struct.
///
/// ```json
/// {"store": "ALA-MEGA2", "consultant": "A. Nurlanova",
///  "checklist": {"answers": {"display_cracks": "pass", "ownership_confirmed": "pass"}, "cosmetic": "B"},
///  "box": true, "charger": false, "accept_offer": true,
///  "holder": {"name": "Айгерим Сапарова", "iin": "900101300007", "birth_date": "1990-01-01",
///             "document_number": "N12345678"},
///  "device": {"model": "AirPods Pro 2", "serial": "H2XK7L9PQ1"}}
/// ```
public struct IntakeAnswers: Sendable, Hashable, Codable {
    public var store: String?
    public var consultant: String?
    public var checklist: ChecklistAnswers
    public var box: Bool?
    public var charger: Bool?
    /// `nil` means "not decided yet": an interactive session asks, a scripted one stops at the offer.
    public var acceptOffer: Bool?
    public var holder: Holder?
    /// For devices with no data link (AirPods, Watch, MacBook), or to fill what the device did not give.
    public var device: ManualDevice?

    public struct Holder: Sendable, Hashable, Codable {
        public var name: String
        public var iin: String
        public var birthDate: CivilDate
        public var documentNumber: String
        public init(name: String, iin: String, birthDate: CivilDate, documentNumber: String) {
            self.name = name
            self.iin = iin
            self.birthDate = birthDate
            self.documentNumber = documentNumber
        }
        enum CodingKeys: String, CodingKey {
            case name, iin, birthDate = "birth_date", documentNumber = "document_number"
        }
    }

    public struct ManualDevice: Sendable, Hashable, Codable {
        public var model: String?
        public var serial: String?
        public var imei: [String]?
        public var storageGB: Int?
        public init(model: String? = nil, serial: String? = nil, imei: [String]? = nil, storageGB: Int? = nil) {
            self.model = model
            self.serial = serial
            self.imei = imei
            self.storageGB = storageGB
        }
        enum CodingKeys: String, CodingKey { case model, serial, imei, storageGB = "storage_gb" }
    }

    public init(
        store: String? = nil, consultant: String? = nil, checklist: ChecklistAnswers = ChecklistAnswers(),
        box: Bool? = nil, charger: Bool? = nil, acceptOffer: Bool? = nil, holder: Holder? = nil,
        device: ManualDevice? = nil
    ) {
        self.store = store
        self.consultant = consultant
        self.checklist = checklist
        self.box = box
        self.charger = charger
        self.acceptOffer = acceptOffer
        self.holder = holder
        self.device = device
    }

    enum CodingKeys: String, CodingKey {
        case store, consultant, checklist, box, charger, acceptOffer = "accept_offer", holder, device
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        store = try c.decodeIfPresent(String.self, forKey: .store)
        consultant = try c.decodeIfPresent(String.self, forKey: .consultant)
        checklist = try c.decodeIfPresent(ChecklistAnswers.self, forKey: .checklist) ?? ChecklistAnswers()
        box = try c.decodeIfPresent(Bool.self, forKey: .box)
        charger = try c.decodeIfPresent(Bool.self, forKey: .charger)
        acceptOffer = try c.decodeIfPresent(Bool.self, forKey: .acceptOffer)
        holder = try c.decodeIfPresent(Holder.self, forKey: .holder)
        device = try c.decodeIfPresent(ManualDevice.self, forKey: .device)
    }

    /// The checklist answers with the kit questions folded in (`box`/`charger` are the checks
    /// `box_present`/`charger_present`).
    public var effectiveChecklist: ChecklistAnswers {
        var answers = checklist
        if let box { answers[.boxPresent] = box ? .pass : .fail }
        if let charger { answers[.chargerPresent] = charger ? .pass : .fail }
        return answers
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads an answers file, naming the file and the field when something is wrong.
    public static func load(path: String) throws(Invalid) -> IntakeAnswers {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Invalid(description: "The answers file \(path) cannot be read; check the path and its permissions.")
        }
        do {
            return try JSONDecoder().decode(IntakeAnswers.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw Invalid(description: "The answers file \(path) is wrong at \(Self.field(context)): \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw Invalid(description: "The answers file \(path) has a wrong value at \(Self.field(context)); see README's intake section for the format.")
        } catch let DecodingError.keyNotFound(key, context) {
            throw Invalid(description: "The answers file \(path) lacks \(Self.field(context, key)); add it.")
        } catch {
            throw Invalid(description: "The answers file \(path) is not valid JSON; fix it and run again.")
        }
    }

    private static func field(_ context: DecodingError.Context, _ extra: (any CodingKey)? = nil) -> String {
        let path = (context.codingPath + (extra.map { [$0] } ?? [])).map(\.stringValue).filter { !$0.isEmpty }
        return path.isEmpty ? "the top level" : path.joined(separator: ".")
    }
}

extension IntakeAnswers {
    /// These answers with `newer`'s given fields laid over them: the console and the spool send partial answers,
    /// merged into what the session already has (a checklist answer at a time, the holder as a whole).
    public func merging(_ newer: IntakeAnswers) -> IntakeAnswers {
        var merged = self
        merged.store = newer.store ?? store
        merged.consultant = newer.consultant ?? consultant
        merged.checklist.answers.merge(newer.checklist.answers) { _, new in new }
        merged.checklist.batteryHealthPercent = newer.checklist.batteryHealthPercent ?? checklist.batteryHealthPercent
        merged.checklist.cosmetic = newer.checklist.cosmetic ?? checklist.cosmetic
        merged.checklist.functional = newer.checklist.functional ?? checklist.functional
        merged.box = newer.box ?? box
        merged.charger = newer.charger ?? charger
        merged.acceptOffer = newer.acceptOffer ?? acceptOffer
        merged.holder = newer.holder ?? holder
        if let typed = newer.device {
            var device = device ?? ManualDevice()
            device.model = typed.model ?? device.model
            device.serial = typed.serial ?? device.serial
            device.imei = typed.imei ?? device.imei
            device.storageGB = typed.storageGB ?? device.storageGB
            merged.device = device
        }
        return merged
    }

    /// What is wrong in these answers, each as the field at fault and one sentence, checked before they reach a
    /// session so that a wrong IIN or an age outside the program's range is refused with the session still
    /// waiting. No sentence carries the IIN itself.
    public func problems(on day: CivilDate) -> [(field: String, sentence: String)] {
        var problems: [(field: String, sentence: String)] = []
        if let holder {
            let check = CertificateRules.checkHolder(iin: holder.iin, birthDate: holder.birthDate, on: day)
            for refusal in check.refusals {
                problems.append((refusal.code == "bad_iin" ? "holder.iin" : "holder.birth_date", refusal.reason))
            }
            if holder.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(("holder.name", "The holder's name is empty: type it as on the identity document."))
            }
            if DocumentNumber(holder.documentNumber) == nil {
                problems.append(("holder.document_number", "The identity document's number is empty: type it from the ID card or passport."))
            }
        }
        if let percent = checklist.batteryHealthPercent, !(0...100).contains(percent) {
            problems.append(("checklist.battery_health_percent", "A battery health of \(percent) % is impossible: type the percentage shown in the phone's battery settings (0 to 100)."))
        }
        if let storage = device?.storageGB, storage <= 0 {
            problems.append(("device.storage_gb", "A storage size of \(storage) GB is impossible: type the size sold, such as 64, 128 or 256."))
        }
        return problems
    }

    /// The same answers with the holder's IIN masked, for copies kept after delivery.
    public var maskedForRecords: IntakeAnswers {
        var copy = self
        if let holder {
            let masked = (try? IIN.validate(holder.iin).get())?.masked ?? String(repeating: "*", count: holder.iin.count)
            copy.holder?.iin = masked
            copy.holder?.documentNumber = DocumentNumber.masked(holder.documentNumber)
        }
        return copy
    }
}
