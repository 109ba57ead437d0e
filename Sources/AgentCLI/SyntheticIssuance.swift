// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Grading
import Intake
public import IntakeStore

/// Valid synthetic issuance requests for the registry benchmark (`intake-bench registry`) and the crash-safety
/// child (`intake-agent certificate issue-loop`): a real store and catalog model, a valid IIN, one distinct
/// Luhn-valid IMEI a device number.
public struct SyntheticIssuance: Sendable {
    public let store: Store
    public let model: CatalogModel
    /// Six digits in every IMEI: random per run, so runs on one registry do not reuse devices, unless given.
    public let run: String

    public init(run: String? = nil) throws {
        self.run = run ?? String(format: "%06d", Int.random(in: 0..<1_000_000))
        guard self.run.count == 6, self.run.allSatisfy(\.isNumber) else {
            throw Failure("The device prefix must be six digits.")
        }
        guard let store = try StoreList.loadDefault().stores.first(where: \.acceptsApple) else {
            throw Failure("The store list has no store that takes every brand.")
        }
        guard let model = try Catalog.loadDefault().models.first(where: { $0.refusal == nil && !$0.family.isApple }) else {
            throw Failure("The catalog has no eligible Android model.")
        }
        self.store = store
        self.model = model
    }

    public func request(device: Int, index: Int) -> IssueRequest {
        IssueRequest(
            amount: Tenge(50_000 + index % 100 * 1_000), issuedOn: CivilDate.today(), holderName: "Тестова Әлия",
            iin: Self.iin(device), birthDate: CivilDate(year: 1990, month: 1, day: 1)!, store: store, model: model,
            modelIdentifier: model.identifiers.first, imeis: [Self.imei("35" + run + String(format: "%06d", device % 1_000_000))],
            serial: nil, grade: "B", ruleSet: RuleSet.current.id)
    }

    /// A valid IIN of its own for each device number (born 1990-01-01 to 1990-01-30, the serial from the number):
    /// one customer hands over one device, so every synthetic device has its own holder.
    public static func iin(_ device: Int) -> String { IIN.synthetic(device).digits }

    /// Appends the Luhn check digit to 14 digits: a valid IMEI.
    public static func imei(_ body: String) -> String {
        var sum = 0
        for (offset, character) in body.reversed().enumerated() {
            var digit = Int(String(character)) ?? 0
            if offset % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return body + String((10 - sum % 10) % 10)
    }
}
