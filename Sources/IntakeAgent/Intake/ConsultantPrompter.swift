// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Intake

/// Asks the consultant at a terminal what the session needs: facts the device did not give, pending checks, the
/// offer, the holder. It forgives: an empty Enter asks again, `back` takes the previous answer back and asks it
/// again, and the IIN, the birth date (the holder's age), the IMEI and the storage size are checked as they are
/// typed, so a mistake is asked again with the rest of what was typed kept.
///
/// Every answer given here is remembered in order; `back` undoes the last one and hands the answers to the
/// session, which asks again for what is missing (it may be the question before, in another step).
actor ConsultantPrompter {
    private let input: TerminalInput
    private let say: PromptWording
    private let today: @Sendable () -> CivilDate
    /// How to take back each answer given here, the last one last.
    private var history: [@Sendable (inout IntakeAnswers) -> Void] = []
    /// The holder's details typed so far: kept when the consultant goes back or a field is asked again.
    private var draft = HolderDraft()

    private struct HolderDraft {
        var name: String?
        var iin: String?
        var birthDate: CivilDate?
        var confirmed = false
        var document: String?
    }

    init(input: TerminalInput, language: PromptLanguage?, today: @escaping @Sendable () -> CivilDate) {
        self.input = input
        self.say = PromptWording(language: language)
        self.today = today
    }

    /// One answer typed at a prompt.
    private enum Reply {
        case text(String)
        case back
        /// Standard input ended or the session stopped waiting (the phone was unplugged).
        case stop
    }

    func ask(_ question: SessionQuestion, _ current: IntakeAnswers) async -> IntakeAnswers? {
        while true {
            let answers = await askOnce(question, current)
            // Back to a question of this same step (or nothing earlier to go back to): ask the step again here,
            // since the session takes unchanged answers for "no more answers".
            guard let answers, answers == current, !input.isInterrupted else { return answers }
        }
    }

    private func askOnce(_ question: SessionQuestion, _ current: IntakeAnswers) async -> IntakeAnswers? {
        var answers = current
        switch question {
        case .device(let missing, let appraisal):
            for fact in missing {
                switch await deviceFact(fact, appraisal: appraisal, answers: &answers) {
                case .answered: continue
                case .back: return goBack(answers)
                case .stop: return nil
                }
            }
        case .checklist(let pending, _):
            for check in pending {
                switch await checklistAnswer(check, answers: &answers) {
                case .answered: continue
                case .back: return goBack(answers)
                case .stop: return nil
                }
            }
            if answers.checklist.cosmetic == nil, pending.contains(where: { if case .cosmetic = $0.effect { true } else { false } }) {
                switch await choice(say(.cosmetic), ["A", "B", "C", "D"]) {
                case .text(let grade):
                    answers.checklist.cosmetic = CosmeticGrade(rawValue: grade)
                    remember { $0.checklist.cosmetic = nil }
                case .back: return goBack(answers)
                case .stop: return nil
                }
            }
        case .offer(let appraisal):
            guard let amount = appraisal.quote?.amount else { return nil }
            for line in appraisal.quote?.lines ?? [] { show("  \(line.label): \(line.amount.formatted)") }
            switch await yesNo(say(.accepts(amount.formatted))) {
            case .text(let yes):
                answers.acceptOffer = yes == "y"
                remember { $0.acceptOffer = nil }
            case .back: return goBack(answers)
            case .stop: return nil
            }
        case .holder:
            switch await holder() {
            case .holder(let holder):
                answers.holder = holder
                remember { $0.holder = nil }
            case .back: return goBack(answers)
            case .stop: return nil
            }
        }
        return answers
    }

    // MARK: - Steps

    private enum Step { case answered, back, stop }

    private func deviceFact(_ fact: DeviceFact, appraisal: Appraisal, answers: inout IntakeAnswers) async -> Step {
        var device = answers.device ?? IntakeAnswers.ManualDevice()
        defer { answers.device = device }
        switch fact {
        case .model:
            if !appraisal.suggestions.isEmpty {
                show(say(.didYouMean(appraisal.suggestions.prefix(5).map(\.displayName))))
            } else if device.model != nil {
                show(say(.unknownModel))
            }
            switch await value(say(.model)) {
            case .text(let model):
                if TextInput.problem(model, field: "model") != nil { show(say(.controlCharacter(.model))); return await deviceFact(fact, appraisal: appraisal, answers: &answers) }
                device.model = model
                remember { $0.device?.model = nil }
            case .back: return .back
            case .stop: return .stop
            }
        case .storage:
            let sizes = appraisal.model?.storageSizes ?? []
            let list = sizes.map(StorageSize.label).joined(separator: ", ")
            let typed = await typed(say(.storage(list)), otherwise: .notASoldSize(list)) { text in
                Self.storage(text).flatMap { sizes.isEmpty || sizes.contains($0) ? $0 : nil }
            }
            guard case .value(let gb) = typed else { return typed.step }
            device.storageGB = gb
            remember { $0.device?.storageGB = nil }
        case .imei:
            let typed = await typed(say(.imei), otherwise: .badIMEI) { try? IMEI.normalize($0).get() }
            guard case .value(let imei) = typed else { return typed.step }
            device.imei = [imei]
            remember { $0.device?.imei = nil }
        case .serial:
            let typed = await typed(say(.serial), otherwise: .controlCharacter(.serial)) { text in
                TextInput.problem(text, field: "serial") == nil && SerialNumber.normalize(text) != nil ? text : nil
            }
            guard case .value(let serial) = typed else { return typed.step }
            device.serial = serial
            remember { $0.device?.serial = nil }
        }
        return .answered
    }

    private func checklistAnswer(_ check: CheckDefinition, answers: inout IntakeAnswers) async -> Step {
        if check.id == .batteryHealth {
            let typed = await typed(say(.batteryPercent), otherwise: .badPercent) { text in
                Int(text.filter { $0 != "%" }.trimmingCharacters(in: .whitespaces)).flatMap {
                    ChecklistAnswers.batteryRange.contains($0) ? $0 : nil
                }
            }
            guard case .value(let percent) = typed else { return typed.step }
            answers.checklist.batteryHealthPercent = percent
            remember { $0.checklist.batteryHealthPercent = nil }
            return .answered
        }
        switch await yesNo(say(check.label)) {
        case .text(let answer):
            let yes = answer == "y"
            switch check.id {
            // The kit is the answers' `box` and `charger` (folded into these checks by the session).
            case .boxPresent:
                answers.box = yes
                remember { $0.box = nil }
            case .chargerPresent:
                answers.charger = yes
                remember { $0.charger = nil }
            default:
                answers.checklist[check.id] = yes ? .pass : .fail
                remember { $0.checklist[check.id] = nil }
            }
            return .answered
        case .back: return .back
        case .stop: return .stop
        }
    }

    private enum HolderReply {
        case holder(IntakeAnswers.Holder)
        case back
        case stop
    }

    private enum HolderField { case name, iin, birthDate, confirm, document }

    /// The first of the holder's details still to ask, in order; `nil` when everything is typed.
    private var nextHolderField: HolderField? {
        if draft.name == nil { return .name }
        if draft.iin == nil { return .iin }
        if draft.birthDate == nil { return .birthDate }
        if !draft.confirmed, mismatch != nil { return .confirm }
        if draft.document == nil { return .document }
        return nil
    }

    /// The IIN's encoded birth date when it differs from the document's (``HolderAge/mismatchWarning(iin:birthDate:)``).
    private var mismatch: CivilDate? {
        guard let text = draft.iin, let birth = draft.birthDate, case .success(let iin) = IIN.validate(text),
            HolderAge.mismatchWarning(iin: iin, birthDate: birth) != nil
        else { return nil }
        return iin.encodedBirthDate
    }

    /// The holder's name, IIN, birth date (the age checked at once, the IIN/birth-date mismatch shown and
    /// confirmed) and document number, each asked again on its own when it is wrong, the others kept.
    private func holder() async -> HolderReply {
        while let field = nextHolderField {
            let reply: Reply
            switch field {
            case .name:
                reply = await value(say(.holderName))
                if case .text(let name) = reply {
                    guard TextInput.problem(name, field: "name") == nil else { show(say(.controlCharacter(.holderName))); continue }
                    draft.name = name
                }
            case .iin:
                reply = await value(say(.iin), hidden: true)
                if case .text(let text) = reply {
                    switch IIN.validate(text) {
                    case .failure(let error):
                        show(say(.iinProblem(error)))
                    case .success(let iin):
                        show(say(.iinTyped(iin.masked)))
                        draft.iin = iin.digits
                        draft.confirmed = false
                    }
                }
            case .birthDate:
                reply = await value(say(.birthDate))
                if case .text(let text) = reply {
                    guard let birth = Self.date(text) else { show(say(.badDate)); continue }
                    if let problem = Phrase.ageProblem(HolderAge.check(birthDate: birth, on: today())) {
                        show(say(problem))
                        continue
                    }
                    draft.birthDate = birth
                    draft.confirmed = false
                }
            case .confirm:
                guard let encoded = mismatch, let birth = draft.birthDate else { continue }
                show(say(.mismatch(iinDate: encoded.description, documentDate: birth.description)))
                reply = await yesNo(say(.mismatchConfirm))
                if case .text(let answer) = reply {
                    // No: the IIN is typed again (then confirmed again if it still disagrees).
                    if answer == "y" { draft.confirmed = true } else { draft.iin = nil }
                }
            case .document:
                reply = await value(say(.document), hidden: true)
                if case .text(let text) = reply {
                    guard TextInput.problem(text, field: "document") == nil, let number = DocumentNumber(text) else {
                        show(say(.controlCharacter(.document)))
                        continue
                    }
                    show(say(.documentTyped(number.masked)))
                    draft.document = number.text
                }
            }
            switch reply {
            case .text: continue
            case .stop: return .stop
            case .back:
                // The detail before this one is asked again; the ones after it are kept.
                switch field {
                case .name: return .back
                case .iin: draft.name = nil
                case .birthDate: draft.iin = nil
                case .confirm, .document: draft.birthDate = nil
                }
                draft.confirmed = false
            }
        }
        guard let name = draft.name, let iin = draft.iin, let birth = draft.birthDate, let document = draft.document else { return .stop }
        return .holder(IntakeAnswers.Holder(name: name, iin: iin, birthDate: birth, documentNumber: document))
    }

    // MARK: - Going back

    private func remember(_ undo: @escaping @Sendable (inout IntakeAnswers) -> Void) {
        history.append(undo)
    }

    /// The answers with the last one given here taken back, for the session to ask again; the same question
    /// again when nothing was answered here yet.
    private func goBack(_ answers: IntakeAnswers) -> IntakeAnswers? {
        guard let undo = history.popLast() else {
            show(say(.nothingEarlier))
            return answers
        }
        var earlier = answers
        undo(&earlier)
        return earlier
    }

    // MARK: - Reading answers

    private func show(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    private static let backWords: Set<String> = ["back", "назад", "артқа", "b"]

    /// One non-empty line: an empty Enter asks again; `back` (назад, артқа) is its own reply.
    private func value(_ prompt: String, hidden: Bool = false) async -> Reply {
        while true {
            switch await input.nextLine(prompt: "\(prompt): ", hidden: hidden) {
            case .interrupted, .ended:
                if input.isInterrupted { show(say(.stopped)) }
                return .stop
            case .text(let line):
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty {
                    show(say(.empty))
                    continue
                }
                if Self.backWords.contains(text.lowercased()) { return .back }
                return .text(text)
            }
        }
    }

    private enum Typed<Value> {
        case value(Value)
        case back
        case stop

        var step: Step {
            switch self {
            case .value: .answered
            case .back: .back
            case .stop: .stop
            }
        }
    }

    /// A value `parse` accepts; anything else is answered with `otherwise` and asked again.
    private func typed<Value>(_ prompt: String, otherwise: Phrase, _ parse: (String) -> Value?) async -> Typed<Value> {
        while true {
            switch await value(prompt) {
            case .text(let text):
                if let parsed = parse(text) { return .value(parsed) }
                show(say(otherwise))
            case .back: return .back
            case .stop: return .stop
            }
        }
    }

    /// `y` or `n`, whatever language it was typed in.
    private func yesNo(_ prompt: String) async -> Reply {
        while true {
            let reply = await value("\(prompt) [\(say(.yesNoHint))]")
            guard case .text(let text) = reply else { return reply }
            let line = text.lowercased()
            if ["y", "yes", "д", "да", "и", "иә"].contains(line) { return .text("y") }
            if ["n", "no", "н", "нет", "ж", "жоқ"].contains(line) { return .text("n") }
            show(say(.answerYesNo))
        }
    }

    private func choice(_ prompt: String, _ options: [String]) async -> Reply {
        while true {
            let reply = await value("\(prompt) [\(options.joined(separator: "/"))]")
            guard case .text(let text) = reply else { return reply }
            // The Cyrillic А, В and С look like the Latin letters and are typed on a Russian layout.
            let latin = String(text.uppercased().map { ["А": "A", "В": "B", "С": "C"][$0] ?? $0 })
            if options.contains(latin) { return .text(latin) }
            show(say(.oneOf(options)))
        }
    }

    /// `128`, `128 GB`, `128ГБ`, `1 TB` → gigabytes.
    static func storage(_ text: String) -> Int? {
        let lower = text.lowercased().replacingOccurrences(of: " ", with: "")
        let digits = lower.prefix { $0.isNumber }
        guard let number = Int(digits), number > 0 else { return nil }
        switch lower.dropFirst(digits.count) {
        case "", "gb", "гб", "g": return number
        case "tb", "тб", "t": return number * 1024
        default: return nil
        }
    }

    /// `1990-01-31` or `31.01.1990` (as Kazakh identity documents print it).
    static func date(_ text: String) -> CivilDate? {
        if let date = CivilDate(text) { return date }
        let parts = text.split(separator: ".").map(String.init)
        guard parts.count == 3, let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2]), parts[2].count == 4
        else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }
}
