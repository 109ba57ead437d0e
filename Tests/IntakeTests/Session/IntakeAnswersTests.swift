// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Intake
import Testing

/// The answers file (`intake --answers FILE`, the spool): a battery health outside 0-100 is refused with a sentence
/// naming the file and the field, never clamped into range.
struct IntakeAnswersTests {
    @Test(arguments: [-5, 101, 1000])
    func aBatteryHealthOutsideZeroToHundredIsRefused(_ percent: Int) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("answers.json")
        try Data(#"{"checklist": {"battery_health_percent": \#(percent), "cosmetic": "B"}}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect {
            try IntakeAnswers.load(path: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("The answers file \(path) is wrong at checklist.battery_health_percent")
                && text.contains("from 0 to 100, not \(percent)")
        }
    }

    @Test func aBatteryHealthInRangeLoads() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("answers.json")
        try Data(#"{"checklist": {"battery_health_percent": 0}}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(try IntakeAnswers.load(path: path).checklist.batteryHealthPercent == 0)
    }

    @Test func anEmptyDocumentNumberIsAProblemOfItsField() throws {
        let day = CivilDate(year: 2026, month: 12, day: 1)!
        var answers = IntakeAnswers(holder: .init(name: "Айгерим Сапарова", iin: "900101300007", birthDate: CivilDate(year: 1990, month: 1, day: 1)!, documentNumber: "  "))
        #expect(answers.problems(on: day).map(\.field) == ["holder.document_number"])
        answers.holder?.documentNumber = "N12345678"
        #expect(answers.problems(on: day).isEmpty)
        #expect(answers.maskedForRecords.holder?.documentNumber == "N123*****")
    }
}
