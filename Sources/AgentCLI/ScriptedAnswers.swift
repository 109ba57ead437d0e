// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
public import Intake

/// The consultant's answers for the demo and the benchmarks: everything checked and fine, light wear, box and
/// charger present, offer accepted, and a holder per device (the demo's two, then a synthetic one each).
public enum ScriptedAnswers {
    /// The answers for the device at `index` (the first has its box; holders alternate).
    public static func forDevice(store: String) -> @Sendable (Int) -> IntakeAnswers {
        { index in
            var checklist = ChecklistAnswers(Dictionary(uniqueKeysWithValues: CheckID.allCases.map { ($0, CheckAnswer.pass) }))
            checklist.cosmetic = .b
            let holders = [
                IntakeAnswers.Holder(name: "Айгерим Сапарова", iin: "900101300007", birthDate: CivilDate(year: 1990, month: 1, day: 1)!, documentNumber: "N12345678"),
                IntakeAnswers.Holder(name: "Нұрлан Әбенов", iin: "851231450018", birthDate: CivilDate(year: 1985, month: 12, day: 31)!, documentNumber: "N87654321"),
            ]
            return IntakeAnswers(
                store: store, consultant: "demo", checklist: checklist, box: index == 0, charger: true, acceptOffer: true,
                // One customer hands over one device: the benchmarks' later devices each get a holder of their own.
                holder: index < holders.count
                    ? holders[index]
                    : IntakeAnswers.Holder(
                        name: "Тестова Әлия", iin: SyntheticIssuance.iin(index), birthDate: CivilDate(year: 1990, month: 1, day: 1)!,
                        documentNumber: "N\(String(format: "%08d", index % 100_000_000))"))
        }
    }
}
