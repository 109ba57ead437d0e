// SPDX-License-Identifier: Apache-2.0

/// The checks of the intake checklist. Raw values are stable ids (stored in sessions and answers files).
public enum CheckID: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case powersOn = "powers_on"
    case displayCracks = "display_cracks"
    case displayPixels = "display_pixels"
    case displayTouch = "display_touch"
    case screenScratches = "screen_scratches"
    case bodyScratches = "body_scratches"
    case bodyDents = "body_dents"
    case bodyCracks = "body_cracks"
    case backGlass = "back_glass"
    case buttons
    case cameras
    case speakerMicrophone = "speaker_microphone"
    case chargingPort = "charging_port"
    case biometrics
    case liquidDamage = "liquid_damage"
    case batteryHealth = "battery_health"
    case activationLock = "activation_lock"
    case accountsRemoved = "accounts_removed"
    case screenLockRemoved = "screen_lock_removed"
    case mdm
    case carrierLock = "carrier_lock"
    case imeiValid = "imei_valid"
    case imeiNotBlocklisted = "imei_not_blocklisted"
    case ownershipConfirmed = "ownership_confirmed"
    case factoryReset = "factory_reset"
    case boxPresent = "box_present"
    case chargerPresent = "charger_present"

    public static func < (lhs: CheckID, rhs: CheckID) -> Bool { lhs.order < rhs.order }
    var order: Int { CheckID.allCases.firstIndex(of: self)! }

    /// The definition of this check.
    public var definition: CheckDefinition { Checklist.definition(self) }
}

/// A consultant's answer, or the result read from the device: `pass` is the good outcome of the check as its label
/// states it ("Screen free of cracks": pass = no cracks; "Factory box present": pass = present).
public enum CheckAnswer: String, Sendable, Hashable, Codable {
    case pass, fail
}

/// Who answers a check.
public enum CheckSource: String, Sendable, Hashable, Codable {
    /// Read from the device over USB (or from the store's records, for the IMEI blocklist).
    case automatic
    /// Read from the device where it can be, otherwise asked; a reading that can be wrong is still confirmed.
    case automaticThenConsultant = "automatic_then_consultant"
    /// Asked of the consultant.
    case consultant
}

/// What a failed check does to the offer.
public enum CheckEffect: Sendable, Hashable, Codable, CustomStringConvertible {
    /// No offer until it passes.
    case blocker
    /// The functional axis becomes at least this bad.
    case functional(FunctionalGrade)
    /// The cosmetic axis becomes at least this bad.
    case cosmetic(CosmeticGrade)
    /// A deduction by the rule set's battery tiers.
    case batteryDeduction
    /// A bonus when present (the check passes).
    case bonus

    /// `blocker`, `functional:minor`, `cosmetic:D`, `battery_deduction`, `bonus`.
    public var description: String {
        switch self {
        case .blocker: return "blocker"
        case .functional(let grade): return "functional:\(grade.rawValue)"
        case .cosmetic(let grade): return "cosmetic:\(grade.rawValue)"
        case .batteryDeduction: return "battery_deduction"
        case .bonus: return "bonus"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count > 1 ? parts[1] : nil) {
        case ("blocker", nil): self = .blocker
        case ("battery_deduction", nil): self = .batteryDeduction
        case ("bonus", nil): self = .bonus
        case ("functional", let grade?) where FunctionalGrade(rawValue: grade) != nil:
            self = .functional(FunctionalGrade(rawValue: grade)!)
        case ("cosmetic", let grade?) where CosmeticGrade(rawValue: grade) != nil:
            self = .cosmetic(CosmeticGrade(rawValue: grade)!)
        default:
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not a check effect.")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A label in the three languages of the counter: Russian and Kazakh for customers, English for the team.
public struct CheckLabel: Sendable, Hashable, Codable {
    public var ru: String
    public var kk: String
    public var en: String
}

/// One check of the checklist.
public struct CheckDefinition: Sendable, Hashable, Codable, Identifiable {
    public var id: CheckID
    public var label: CheckLabel
    public var source: CheckSource
    public var effect: CheckEffect
    /// The families the check applies to.
    public var families: Set<DeviceFamily>

    public func applies(to family: DeviceFamily) -> Bool { families.contains(family) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(label, forKey: .label)
        try container.encode(source, forKey: .source)
        try container.encode(effect, forKey: .effect)
        try container.encode(families.map(\.rawValue).sorted(), forKey: .families)
    }
}

/// The checklist: every check, its label, who answers it and what a failure does.
public enum Checklist {
    private static let all = Set(DeviceFamily.allCases)
    private static let withScreen = all.subtracting([.airPods])
    private static let phones: Set<DeviceFamily> = [.iPhone, .androidPhone]
    private static let withCamera: Set<DeviceFamily> = [.iPhone, .iPad, .androidPhone, .macBook]
    private static let managed: Set<DeviceFamily> = [.iPhone, .iPad, .androidPhone, .macBook]

    /// Every check, in the order the consultant goes through them.
    public static let definitions: [CheckDefinition] = [
        define(.powersOn, "Включается и загружается", "Қосылады және жүктеледі", "Powers on and boots", .automaticThenConsultant, .blocker, all),
        define(.displayCracks, "Экран без трещин", "Экранда жарықшақтар жоқ", "Screen free of cracks", .consultant, .cosmetic(.d), withScreen),
        define(.displayPixels, "Экран без битых пикселей, полос и пятен", "Экранда ақаулы пиксельдер, жолақтар мен дақтар жоқ", "Screen free of dead pixels, lines and spots", .consultant, .functional(.major), withScreen),
        define(.displayTouch, "Сенсор работает по всему экрану", "Сенсор бүкіл экранда жұмыс істейді", "Touch works across the whole screen", .consultant, .functional(.major), withScreen.subtracting([.macBook])),
        define(.screenScratches, "Экран без заметных царапин", "Экранда байқалатын сызаттар жоқ", "Screen free of visible scratches", .consultant, .cosmetic(.c), withScreen),
        define(.bodyScratches, "Корпус без царапин и потёртостей", "Корпуста сызаттар мен қажалу іздері жоқ", "Body free of scratches and scuffs", .consultant, .cosmetic(.b), all),
        define(.bodyDents, "Корпус без вмятин и сколов", "Корпуста ойықтар мен кетіктер жоқ", "Body free of dents and chips", .consultant, .cosmetic(.c), all),
        define(.bodyCracks, "Корпус без трещин и деформаций", "Корпуста жарықшақтар мен майысулар жоқ", "Body free of cracks and bends", .consultant, .cosmetic(.d), all),
        define(.backGlass, "Заднее стекло и стекло камеры целы", "Артқы шыны мен камера шынысы бүтін", "Back glass and camera lens intact", .consultant, .cosmetic(.d), phones),
        define(.buttons, "Все кнопки работают", "Барлық түймелер жұмыс істейді", "All buttons work", .consultant, .functional(.minor), all),
        define(.cameras, "Камеры и вспышка работают", "Камералар мен жарқыл жұмыс істейді", "Cameras and flash work", .consultant, .functional(.major), withCamera),
        define(.speakerMicrophone, "Динамик и микрофон работают", "Динамик пен микрофон жұмыс істейді", "Speaker and microphone work", .consultant, .functional(.major), all),
        define(.chargingPort, "Разъём зарядки заряжает", "Зарядтау ұясы зарядтайды", "Charging port charges", .consultant, .functional(.major), all),
        define(.biometrics, "Face ID / Touch ID / отпечаток работают", "Face ID / Touch ID / саусақ ізі сканері жұмыс істейді", "Face ID / Touch ID / fingerprint work", .consultant, .functional(.minor), [.iPhone, .iPad, .androidPhone, .macBook]),
        define(.liquidDamage, "Индикатор влаги не сработал", "Ылғал индикаторы іске қосылмаған", "Liquid damage indicator not triggered", .consultant, .functional(.major), withScreen),
        define(.batteryHealth, "Ёмкость аккумулятора", "Аккумулятор сыйымдылығы", "Battery health", .automaticThenConsultant, .batteryDeduction, withScreen),
        define(.activationLock, "Найти iPhone / блокировка активации выключены", "«Табу» (Find My) / белсендіру құлпы өшірілген", "Find My / Activation Lock off", .automaticThenConsultant, .blocker, all.subtracting([.androidPhone])),
        define(.accountsRemoved, "Все аккаунты удалены (iCloud, Google, Samsung и др.)", "Барлық аккаунттар жойылған (iCloud, Google, Samsung және т.б.)", "Every account removed (iCloud, Google, Samsung, other)", .automaticThenConsultant, .blocker, all),
        define(.screenLockRemoved, "Блокировка экрана снята", "Экран құлпы өшірілген", "Screen lock removed", .automaticThenConsultant, .blocker, withScreen),
        define(.mdm, "Нет корпоративного управления (MDM)", "Корпоративтік басқару (MDM) жоқ", "No device management (MDM)", .automaticThenConsultant, .blocker, managed),
        define(.carrierLock, "Нет привязки к оператору", "Операторға бекітілмеген", "No carrier lock", .automaticThenConsultant, .blocker, phones.union([.iPad])),
        define(.imeiValid, "IMEI корректен", "IMEI дұрыс", "IMEI valid", .automatic, .blocker, phones),
        define(.imeiNotBlocklisted, "IMEI не в стоп-листе", "IMEI қара тізімде жоқ", "IMEI not on the blocklist", .automatic, .blocker, phones),
        define(.ownershipConfirmed, "Клиент подтвердил: устройство его, не в споре, не под арестом и не в залоге", "Клиент растады: құрылғы өзінікі, дау тудырмайды, оған тыйым салынбаған және кепілде емес", "Customer confirmed the device is theirs, not disputed, seized or pledged", .consultant, .blocker, all),
        define(.factoryReset, "Сброс до заводских настроек выполнен", "Зауыттық баптауларға қайтарылды", "Reset to factory settings", .consultant, .blocker, all),
        define(.boxPresent, "Есть заводская коробка", "Зауыттық қорапшасы бар", "Factory box present", .consultant, .bonus, all),
        define(.chargerPresent, "Есть зарядное устройство и кабель", "Зарядтағыш пен кабель бар", "Charger and cable present", .consultant, .bonus, all.subtracting([.airPods])),
    ]

    private static let byID: [CheckID: CheckDefinition] = Dictionary(uniqueKeysWithValues: definitions.map { ($0.id, $0) })

    public static func definition(_ id: CheckID) -> CheckDefinition { byID[id]! }

    /// The checks that apply to `family`, in order.
    public static func checks(for family: DeviceFamily) -> [CheckDefinition] {
        definitions.filter { $0.applies(to: family) }
    }

    private static func define(
        _ id: CheckID, _ ru: String, _ kk: String, _ en: String, _ source: CheckSource, _ effect: CheckEffect,
        _ families: Set<DeviceFamily>
    ) -> CheckDefinition {
        CheckDefinition(id: id, label: CheckLabel(ru: ru, kk: kk, en: en), source: source, effect: effect, families: families)
    }
}

/// The consultant's answers, plus the overall grades and battery reading a consultant may give instead.
public struct ChecklistAnswers: Sendable, Hashable, Codable {
    public var answers: [CheckID: CheckAnswer]
    /// Battery health read by the consultant (Settings › Battery) when the device gave none over USB.
    public var batteryHealthPercent: Int?
    /// The battery health percentages a consultant may give; anything else is refused, never clamped.
    public static let batteryRange = 0...100
    /// An overall cosmetic grade; the result is the worse of it and the failed cosmetic checks.
    public var cosmetic: CosmeticGrade?
    /// An overall functional grade; the result is the worse of it and the failed functional checks.
    public var functional: FunctionalGrade?

    public init(
        _ answers: [CheckID: CheckAnswer] = [:], batteryHealthPercent: Int? = nil, cosmetic: CosmeticGrade? = nil,
        functional: FunctionalGrade? = nil
    ) {
        self.answers = answers
        self.batteryHealthPercent = batteryHealthPercent
        self.cosmetic = cosmetic
        self.functional = functional
    }

    public subscript(id: CheckID) -> CheckAnswer? {
        get { answers[id] }
        set { answers[id] = newValue }
    }

    enum CodingKeys: String, CodingKey {
        case answers, batteryHealthPercent = "battery_health_percent", cosmetic, functional
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try container.decodeIfPresent([String: CheckAnswer].self, forKey: .answers) ?? [:]
        var answers: [CheckID: CheckAnswer] = [:]
        for (key, value) in raw {
            guard let id = CheckID(rawValue: key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .answers, in: container,
                    debugDescription: "\"\(key)\" is not a check id; the ids are \(CheckID.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            answers[id] = value
        }
        self.answers = answers
        batteryHealthPercent = try container.decodeIfPresent(Int.self, forKey: .batteryHealthPercent)
        if let battery = batteryHealthPercent, !ChecklistAnswers.batteryRange.contains(battery) {
            throw DecodingError.dataCorruptedError(
                forKey: .batteryHealthPercent, in: container,
                debugDescription: "The battery health is a percentage from 0 to 100, not \(battery): read it again in the device's settings.")
        }
        cosmetic = try container.decodeIfPresent(CosmeticGrade.self, forKey: .cosmetic)
        functional = try container.decodeIfPresent(FunctionalGrade.self, forKey: .functional)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Dictionary(uniqueKeysWithValues: answers.map { ($0.key.rawValue, $0.value) }), forKey: .answers)
        try container.encodeIfPresent(batteryHealthPercent, forKey: .batteryHealthPercent)
        try container.encodeIfPresent(cosmetic, forKey: .cosmetic)
        try container.encodeIfPresent(functional, forKey: .functional)
    }
}
