// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Intake

/// Asks the consultant at a terminal what the session needs: pending checks, the offer, the holder.
/// Labels are shown in Russian with the English beside them; answers are y/n or a value.
struct ConsultantPrompter: Sendable {
    func ask(_ question: SessionQuestion, _ current: IntakeAnswers) async -> IntakeAnswers? {
        var answers = current
        switch question {
        case .checklist(let pending, _):
            for check in pending {
                guard let yes = yesNo("\(check.label.ru) / \(check.label.en)") else { return nil }
                answers.checklist[check.id] = yes ? .pass : .fail
            }
            if answers.checklist.cosmetic == nil, pending.contains(where: { if case .cosmetic = $0.effect { true } else { false } }) {
                guard let grade = choice("Внешний вид / Overall cosmetic grade (A like new, B light wear, C moderate, D heavy)", ["A", "B", "C", "D"]) else { return nil }
                answers.checklist.cosmetic = CosmeticGrade(rawValue: grade)
            }
            if answers.box == nil { answers.box = yesNo("Коробка / Factory box present") }
            if answers.charger == nil { answers.charger = yesNo("Зарядка и кабель / Charger and cable present") }
        case .offer(let appraisal):
            guard let amount = appraisal.quote?.amount else { return nil }
            for line in appraisal.quote?.lines ?? [] { say("  \(line.label): \(line.amount.formatted)") }
            guard let yes = yesNo("Клиент согласен на \(amount.formatted)? / Customer accepts \(amount.formatted)") else { return nil }
            answers.acceptOffer = yes
        case .holder:
            guard let name = value("ФИО / Holder's full name"),
                  let iin = value("ИИН / IIN (12 digits)"),
                  let birth = value("Дата рождения / Birth date (YYYY-MM-DD)"), let birthDate = CivilDate(birth),
                  let document = value("Номер документа / Identity document number")
            else { return nil }
            answers.holder = IntakeAnswers.Holder(name: name, iin: iin, birthDate: birthDate, documentNumber: document)
        }
        return answers
    }

    private func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    private func value(_ prompt: String) -> String? {
        FileHandle.standardError.write(Data("\(prompt): ".utf8))
        guard let line = readLine()?.trimmingCharacters(in: .whitespaces), !line.isEmpty else { return nil }
        return line
    }

    private func yesNo(_ prompt: String) -> Bool? {
        while true {
            guard let line = value("\(prompt) [y/n]")?.lowercased() else { return nil }
            if ["y", "yes", "д", "да", "и", "иә"].contains(line) { return true }
            if ["n", "no", "н", "нет", "ж", "жоқ"].contains(line) { return false }
            say("Answer y or n.")
        }
    }

    private func choice(_ prompt: String, _ options: [String]) -> String? {
        while true {
            guard let line = value("\(prompt) [\(options.joined(separator: "/"))]")?.uppercased() else { return nil }
            if options.contains(line) { return line }
            say("Answer one of \(options.joined(separator: ", ")).")
        }
    }
}
