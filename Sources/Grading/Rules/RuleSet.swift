// SPDX-License-Identifier: Apache-2.0

/// A named, versioned set of grading and pricing rules. Versions are append-only (like database migrations):
/// once a rule set has priced a certificate it is never edited; a change is a new id. Every grade and quote records
/// the id it was made under, so it can be explained and reproduced.
public struct RuleSet: Sendable, Hashable, Codable {
    /// `2026-11-a`; with settings switched on, their names follow a `+` (`2026-11-a+accept_iphone_se_3rd_generation`).
    public let id: String
    /// The price factor in percent for each functional grade (rows `ok`, `minor`, `major`) and cosmetic grade
    /// (columns A–D).
    public let factorPercent: [FunctionalGrade: [CosmeticGrade: Int]]
    /// Battery deductions; the strictest tier the health falls under applies.
    public let batteryTiers: [BatteryTier]
    /// The bonus for the factory box, in percent of the market price.
    public let boxBonusPercent: Int
    /// The bonus for the charger with its cable, in percent of the market price.
    public let chargerBonusPercent: Int
    /// Offers are rounded down to a multiple of this many tenge.
    public let roundingStep: Int
    /// The brands the program takes (`trade-in-rules.md`), compared case-insensitively after ``brandAliases``.
    public let acceptedBrands: [String]
    /// Sub-brands and spellings that stand for an accepted brand (`Redmi` → `Xiaomi`).
    public let brandAliases: [String: String]
    /// The oldest model year taken per family, where the operator's rules say it by year ("iPhone 6 and later",
    /// "MacBook 2013 and later"): a safety net under the catalog's own refusals, so an operator's catalog that lists
    /// an older model without a refusal still cannot price it.
    public let minimumYear: [DeviceFamily: Int]
    /// Named settings switched on (`accept_iphone_se_3rd_generation`).
    public let settings: Set<String>

    /// A battery-health tier: under `belowPercent`, `deductPercent` of the market price is deducted.
    public struct BatteryTier: Sendable, Hashable, Codable {
        public let belowPercent: Int
        public let deductPercent: Int
        public init(belowPercent: Int, deductPercent: Int) {
            self.belowPercent = belowPercent
            self.deductPercent = deductPercent
        }
        enum CodingKeys: String, CodingKey { case belowPercent = "below_percent", deductPercent = "deduct_percent" }
    }

    /// The setting that accepts the iPhone SE 3rd generation, refused by default as the operator's page reads.
    public static let acceptSE3rdGeneration = "accept_iphone_se_3rd_generation"

    /// Every named setting a rule set can switch on.
    public static let knownSettings: [String] = [acceptSE3rdGeneration]

    /// November 2026, first edition.
    public static let v2026_11_a = RuleSet(
        id: "2026-11-a",
        factorPercent: [
            .ok: [.a: 100, .b: 90, .c: 75, .d: 55],
            .minor: [.a: 85, .b: 77, .c: 64, .d: 47],
            .major: [.a: 60, .b: 54, .c: 45, .d: 33],
        ],
        batteryTiers: [BatteryTier(belowPercent: 80, deductPercent: 10), BatteryTier(belowPercent: 70, deductPercent: 20)],
        boxBonusPercent: 3,
        chargerBonusPercent: 2,
        roundingStep: 500,
        acceptedBrands: ["Apple", "Samsung", "Xiaomi", "Oppo", "Realme", "Vivo", "Huawei", "Honor"],
        brandAliases: ["Redmi": "Xiaomi", "POCO": "Xiaomi", "Galaxy": "Samsung", "OPPO": "Oppo"],
        minimumYear: [.iPhone: 2014, .macBook: 2013],
        settings: []
    )

    /// Every rule set ever released, oldest first. Append only.
    public static let all: [RuleSet] = [v2026_11_a]

    /// The rule set new grades use.
    public static let current = v2026_11_a

    /// A released rule set by id, settings included (`2026-11-a+accept_iphone_se_3rd_generation`).
    public static func named(_ id: String) -> RuleSet? {
        let parts = id.split(separator: "+").map(String.init)
        guard let base = all.first(where: { $0.id == parts.first }) else { return nil }
        return parts.dropFirst().reduce(base) { $0.enabling($1) }
    }

    /// This rule set with a named setting switched on; the id records it.
    public func enabling(_ setting: String) -> RuleSet {
        guard !settings.contains(setting) else { return self }
        var all = settings
        all.insert(setting)
        let base = id.split(separator: "+").first.map(String.init) ?? id
        let newID = ([base] + all.sorted()).joined(separator: "+")
        return RuleSet(
            id: newID, factorPercent: factorPercent, batteryTiers: batteryTiers, boxBonusPercent: boxBonusPercent,
            chargerBonusPercent: chargerBonusPercent, roundingStep: roundingStep, acceptedBrands: acceptedBrands,
            brandAliases: brandAliases, minimumYear: minimumYear, settings: all)
    }

    public init(
        id: String, factorPercent: [FunctionalGrade: [CosmeticGrade: Int]], batteryTiers: [BatteryTier],
        boxBonusPercent: Int, chargerBonusPercent: Int, roundingStep: Int, acceptedBrands: [String],
        brandAliases: [String: String], minimumYear: [DeviceFamily: Int] = [:], settings: Set<String>
    ) {
        self.id = id
        self.factorPercent = factorPercent
        self.batteryTiers = batteryTiers
        self.boxBonusPercent = boxBonusPercent
        self.chargerBonusPercent = chargerBonusPercent
        self.roundingStep = roundingStep
        self.acceptedBrands = acceptedBrands
        self.brandAliases = brandAliases
        self.minimumYear = minimumYear
        self.settings = settings
    }

    /// The price factor for a grade, in percent.
    public func factor(functional: FunctionalGrade, cosmetic: CosmeticGrade) -> Int {
        factorPercent[functional]?[cosmetic] ?? 0
    }

    /// The battery tier that applies to `healthPercent` (the lowest threshold it is under), if any.
    public func batteryTier(for healthPercent: Int) -> BatteryTier? {
        batteryTiers.filter { healthPercent < $0.belowPercent }.min { $0.belowPercent < $1.belowPercent }
    }

    /// The accepted brand `brand` stands for (`redmi` → `Xiaomi`), or `nil` when the program takes no such brand.
    public func acceptedBrand(_ brand: String) -> String? {
        let key = brand.trimmingASCIIWhitespace().lowercased()
        if let alias = brandAliases.first(where: { $0.key.lowercased() == key }) { return alias.value }
        return acceptedBrands.first { $0.lowercased() == key }
    }

    enum CodingKeys: String, CodingKey {
        case id, factorPercent = "factor_percent", batteryTiers = "battery_tiers", boxBonusPercent = "box_bonus_percent"
        case chargerBonusPercent = "charger_bonus_percent", roundingStep = "rounding_step"
        case acceptedBrands = "accepted_brands", brandAliases = "brand_aliases", minimumYear = "minimum_year", settings
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let id = try container.decode(String.self, forKey: .id)
        guard let known = RuleSet.named(id) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: container, debugDescription: "\"\(id)\" is not a rule set this program knows.")
        }
        self = known
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        var table: [String: [String: Int]] = [:]
        for (functional, row) in factorPercent {
            table[functional.rawValue] = Dictionary(uniqueKeysWithValues: row.map { ($0.key.rawValue, $0.value) })
        }
        try container.encode(table, forKey: .factorPercent)
        try container.encode(batteryTiers, forKey: .batteryTiers)
        try container.encode(boxBonusPercent, forKey: .boxBonusPercent)
        try container.encode(chargerBonusPercent, forKey: .chargerBonusPercent)
        try container.encode(roundingStep, forKey: .roundingStep)
        try container.encode(acceptedBrands, forKey: .acceptedBrands)
        try container.encode(brandAliases, forKey: .brandAliases)
        try container.encode(
            Dictionary(uniqueKeysWithValues: minimumYear.map { ($0.key.rawValue, $0.value) }), forKey: .minimumYear)
        try container.encode(settings.sorted(), forKey: .settings)
    }
}
