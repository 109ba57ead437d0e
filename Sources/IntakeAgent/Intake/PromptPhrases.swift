// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Grading

/// The language of the terminal's questions. Customers read Russian and Kazakh (`trade-in-rules.md`, Language),
/// the team reads English; with neither `--language` nor a Kazakh, Russian or English locale the questions are in
/// Russian with the English beside them, as they always were.
enum PromptLanguage: String, Sendable, CaseIterable, ExpressibleByArgument {
    case kk, ru, en

    /// `LC_ALL`, `LC_MESSAGES`, then `LANG` (`kk_KZ.UTF-8` → kk); `nil` for C, POSIX or anything else.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> PromptLanguage? {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            let code = value.prefix { $0.isLetter }.lowercased()
            return PromptLanguage(rawValue: code)
        }
        return nil
    }
}

/// How questions are worded: one language, or Russian with English beside it (the default).
struct PromptWording: Sendable {
    /// `nil`: Russian / English.
    let language: PromptLanguage?

    func callAsFunction(_ phrase: Phrase) -> String {
        switch language {
        case .kk: phrase.kk
        case .ru: phrase.ru
        case .en: phrase.en
        case nil: phrase.ru == phrase.en ? phrase.en : "\(phrase.ru) / \(phrase.en)"
        }
    }

    func callAsFunction(_ label: CheckLabel) -> String {
        self(Phrase(kk: label.kk, ru: label.ru, en: label.en))
    }
}

/// One thing said at the terminal, in the three languages of the counter.
struct Phrase: Sendable, Hashable {
    let kk: String
    let ru: String
    let en: String
}

extension Phrase {
    static let yesNoHint = Phrase(kk: "и/ж", ru: "д/н", en: "y/n")
    static let answerYesNo = Phrase(
        kk: "«и» (иә) немесе «ж» (жоқ) деп жауап беріңіз.", ru: "Ответьте «д» (да) или «н» (нет).", en: "Answer y or n.")
    static let empty = Phrase(
        kk: "Жауап бос: қайта енгізіңіз (алдыңғы сұраққа оралу үшін «артқа»).",
        ru: "Пустой ответ: введите ещё раз («назад» — к предыдущему вопросу).",
        en: "Nothing was typed: type the answer (or `back` for the previous question).")
    static let nothingEarlier = Phrase(
        kk: "Бұл бірінші сұрақ: артқа оралатын жер жоқ.", ru: "Это первый вопрос: возвращаться некуда.",
        en: "This is the first question: there is nothing to go back to.")
    static let stopped = Phrase(
        kk: "Телефон ажыратылды: сессия тоқтатылды, сертификат берілмейді.",
        ru: "Телефон отключён: сессия отменена, сертификат не выдаётся.",
        en: "The phone was unplugged: the session is cancelled and no certificate is issued.")
    static let cosmetic = Phrase(
        kk: "Сыртқы түрі (A — жаңадай, B — аздап тозған, C — орташа, D — қатты тозған)",
        ru: "Внешний вид (A — как новый, B — лёгкий износ, C — средний, D — сильный)",
        en: "Overall cosmetic grade (A like new, B light wear, C moderate, D heavy)")
    static func oneOf(_ options: [String]) -> Phrase {
        let list = options.joined(separator: ", ")
        return Phrase(kk: "Мыналардың бірін енгізіңіз: \(list).", ru: "Введите одно из: \(list).", en: "Answer one of \(list).")
    }
    static let batteryPercent = Phrase(
        kk: "Аккумулятор сыйымдылығы, % (Баптаулар › Аккумулятор)", ru: "Ёмкость аккумулятора, % (Настройки › Аккумулятор)",
        en: "Battery health, % (Settings › Battery)")
    static let badPercent = Phrase(
        kk: "0-ден 100-ге дейінгі сан енгізіңіз.", ru: "Введите число от 0 до 100.", en: "Type a number from 0 to 100.")
    static func accepts(_ amount: String) -> Phrase {
        Phrase(kk: "Клиент \(amount) сомасына келісе ме?", ru: "Клиент согласен на \(amount)?", en: "Customer accepts \(amount)")
    }

    // MARK: Device facts
    static let model = Phrase(
        kk: "Құрылғы моделі (мысалы, AirPods Pro 2)", ru: "Модель устройства (например, AirPods Pro 2)",
        en: "Device model (such as AirPods Pro 2)")
    static func didYouMean(_ names: [String]) -> Phrase {
        let list = names.joined(separator: "; ")
        return Phrase(kk: "Каталогта бұл модель жоқ. Мүмкін: \(list)", ru: "Такой модели нет в каталоге. Возможно: \(list)",
            en: "The catalog has no such model. Perhaps: \(list)")
    }
    static let unknownModel = Phrase(
        kk: "Каталогта бұл модель жоқ: атауын қораптағыдай немесе баптаулардағыдай енгізіңіз.",
        ru: "Такой модели нет в каталоге: введите название как на коробке или в настройках.",
        en: "The catalog has no such model: type the name as on the box or in the settings.")
    static func storage(_ sizes: String) -> Phrase {
        Phrase(kk: "Жад көлемі, ГБ (\(sizes))", ru: "Объём памяти, ГБ (\(sizes))", en: "Storage, GB (\(sizes))")
    }
    static func notASoldSize(_ sizes: String) -> Phrase {
        Phrase(kk: "Бұл модель мына көлемдерде сатылған: \(sizes).", ru: "Эта модель продавалась с объёмом: \(sizes).",
            en: "This model was sold with \(sizes): type one of them.")
    }
    static let imei = Phrase(
        kk: "IMEI (15 сан, *#06# немесе SIM науасынан)", ru: "IMEI (15 цифр, *#06# или лоток SIM)",
        en: "IMEI (15 digits, from *#06# or the SIM tray)")
    static let badIMEI = Phrase(
        kk: "IMEI — бақылау саны дұрыс 15 сан: *#06# арқылы қайта тексеріңіз.",
        ru: "IMEI — 15 цифр с верной контрольной цифрой: проверьте по *#06#.",
        en: "An IMEI is 15 digits with a valid check digit: check it again with *#06#.")
    static let serial = Phrase(
        kk: "Сериялық нөмір (құрылғыдан немесе қораптан)", ru: "Серийный номер (на устройстве или коробке)",
        en: "Serial number (on the device or its box)")

    // MARK: Holder
    static let holderName = Phrase(kk: "Иесінің аты-жөні (құжаттағыдай)", ru: "ФИО владельца (как в документе)", en: "Holder's full name (as on the document)")
    static let iin = Phrase(kk: "ЖСН (12 сан, енгізгенде көрінбейді)", ru: "ИИН (12 цифр, при вводе не отображается)", en: "IIN (12 digits, not shown as typed)")
    static func iinTyped(_ masked: String) -> Phrase { Phrase(kk: "ЖСН: \(masked)", ru: "ИИН: \(masked)", en: "IIN: \(masked)") }
    static let birthDate = Phrase(
        kk: "Туған күні құжат бойынша (ЖЖЖЖ-АА-КК немесе КК.АА.ЖЖЖЖ)", ru: "Дата рождения по документу (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)",
        en: "Birth date from the document (YYYY-MM-DD or DD.MM.YYYY)")
    static let badDate = Phrase(
        kk: "Күнді ЖЖЖЖ-АА-КК түрінде енгізіңіз, мысалы 1990-01-31.", ru: "Введите дату как ГГГГ-ММ-ДД, например 1990-01-31.",
        en: "Type the date as YYYY-MM-DD, such as 1990-01-31.")
    static let document = Phrase(
        kk: "Құжат нөмірі (жеке куәлік немесе төлқұжат, енгізгенде көрінбейді)",
        ru: "Номер документа (удостоверение или паспорт, при вводе не отображается)",
        en: "Identity document number (ID card or passport, not shown as typed)")
    static func documentTyped(_ masked: String) -> Phrase {
        Phrase(kk: "Құжат нөмірі: \(masked)", ru: "Номер документа: \(masked)", en: "Document number: \(masked)")
    }
    static func controlCharacter(_ field: Phrase) -> Phrase {
        Phrase(kk: "\(field.kk): басқару таңбасы бар, қайта енгізіңіз.", ru: "\(field.ru): есть управляющий символ, введите ещё раз.",
            en: "\(field.en): it holds a control character; type it again.")
    }
    static func mismatch(iinDate: String, documentDate: String) -> Phrase {
        Phrase(
            kk: "Назар аударыңыз: ЖСН-дағы туған күн \(iinDate), ал құжатта \(documentDate). 2013 жылдан бері бұған рұқсат етілген, бірақ екеуі бір құжаттан енгізілгенін тексеріңіз.",
            ru: "Внимание: в ИИН зашифрована дата рождения \(iinDate), а в документе \(documentDate). С 2013 года это допускается, но проверьте, что оба введены с одного документа.",
            en: "Warning: the IIN encodes the birth date \(iinDate) but the document says \(documentDate). This is allowed for IINs issued since 2013, but check that both were typed from the same document.")
    }
    static let mismatchConfirm = Phrase(
        kk: "ЖСН мен туған күн бір құжаттан дұрыс енгізілді ме?", ru: "ИИН и дата рождения введены верно с одного документа?",
        en: "Were the IIN and the birth date typed correctly from the same document?")

    static func iinProblem(_ error: IINError) -> Phrase {
        switch error {
        case .empty:
            Phrase(kk: "ЖСН енгізілмеді: құжаттағы 12 санды енгізіңіз.", ru: "ИИН не введён: введите 12 цифр из документа.", en: error.description)
        case .notDigits:
            Phrase(kk: "ЖСН тек сандардан тұрады: әріпсіз және белгісіз қайта енгізіңіз.", ru: "ИИН состоит только из цифр: введите его без букв и знаков.", en: error.description)
        case .wrongLength(let count):
            Phrase(kk: "ЖСН 12 саннан тұрады, ал \(count) сан енгізілді: құжатты тексеріңіз.", ru: "В ИИН 12 цифр, а введено \(count): проверьте по документу.", en: error.description)
        case .badCenturyDigit(let digit):
            Phrase(kk: "ЖСН-ның 7-ші саны 1-ден 6-ға дейін болады, мұнда \(digit): құжатты тексеріңіз.", ru: "7-я цифра ИИН — от 1 до 6, а здесь \(digit): проверьте по документу.", en: error.description)
        case .checksumMismatch, .neverIssued:
            Phrase(kk: "ЖСН-ның бақылау саны сәйкес келмейді, яғни бір сан қате енгізілген: құжатты тексеріңіз.", ru: "Контрольная цифра ИИН не сходится, значит, одна цифра введена неверно: проверьте по документу.", en: error.description)
        }
    }

    static func ageProblem(_ verdict: HolderAge.Verdict) -> Phrase? {
        switch verdict {
        case .eligible: nil
        case .tooYoung(let age) where age < 0:
            Phrase(kk: "Туған күні сату күнінен кейін: құжаттағы күнді тексеріңіз.", ru: "Дата рождения позже дня продажи: проверьте дату по документу.", en: verdict.refusal ?? "")
        case .tooYoung(let age):
            Phrase(kk: "Иесі \(age) жаста, бағдарлама \(HolderAge.minimum) жастан бастап: бұл атқа сертификат берілмейді. Күнді тексеріңіз.",
                ru: "Владельцу \(age) лет, программа — с \(HolderAge.minimum) лет: на это имя сертификат не выдаётся. Проверьте дату.",
                en: (verdict.refusal ?? "") + " Check the date.")
        case .tooOld(let age):
            Phrase(kk: "Иесі \(age) жаста, бағдарлама \(HolderAge.maximum) жасқа дейін қоса алғанда: бұл атқа сертификат берілмейді. Күнді тексеріңіз.",
                ru: "Владельцу \(age) лет, программа — до \(HolderAge.maximum) лет включительно: на это имя сертификат не выдаётся. Проверьте дату.",
                en: (verdict.refusal ?? "") + " Check the date.")
        }
    }
}
