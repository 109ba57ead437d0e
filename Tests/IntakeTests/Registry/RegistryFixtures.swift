// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import IntakeStore

/// A temporary data directory, removed when the value goes.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("intake-registry-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Requests built from the real store list and catalog, for registry and certificate tests.
enum Fixtures {
    static let today = CivilDate(year: 2026, month: 11, day: 23)!
    static let stores = try! StoreList.loadDefault()
    static let catalog = try! Catalog.loadDefault()

    static var almaty: Store { stores.store(id: "ALA-SAMAL2-100")! }
    static var dostykPlaza: Store { stores.store(id: "ALA-DOSTYK-PLAZA")! }
    static var iPhone11: CatalogModel { catalog.lookup("iPhone 11").model! }
    static var android: CatalogModel { catalog.models.first { $0.refusal == nil && !$0.family.isApple }! }

    /// A Luhn-valid IMEI from a device number.
    static func imei(_ device: Int) -> String {
        let body = "35209411" + String(format: "%06d", device)
        var sum = 0
        for (offset, character) in body.reversed().enumerated() {
            var digit = character.wholeNumberValue!
            if offset % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return body + String((10 - sum % 10) % 10)
    }

    static func request(
        device: Int = 1, imeis: [String]? = nil, serial: String? = nil, store: Store = almaty,
        model: CatalogModel = iPhone11, iin: String? = nil, birthDate: CivilDate = CivilDate(year: 1990, month: 1, day: 1)!,
        issuedOn: CivilDate = today, amount: Int = 185_000, holderName: String = "Иванова Әлия Серікқызы"
    ) -> IssueRequest {
        IssueRequest(
            amount: Tenge(amount), issuedOn: issuedOn, holderName: holderName, iin: iin ?? holderIIN(device), birthDate: birthDate,
            store: store, model: model, modelIdentifier: model.identifiers.first, imeis: imeis ?? [imei(device)],
            serial: serial, grade: "B", ruleSet: RuleSet.current.id)
    }

    /// A valid IIN of its own for each device number (one customer hands over one device).
    static func holderIIN(_ device: Int) -> String {
        IIN.synthetic(device).digits
    }

    static let fixedTime = Date(timeIntervalSince1970: 1_795_000_000)
}
