// SPDX-License-Identifier: Apache-2.0

/// One line of a price breakdown.
public struct PriceLine: Sendable, Hashable, Codable {
    /// `market_price`, `grade_factor`, `battery_deduction`, `box_bonus`, `charger_bonus`, `rounding`, `floor`.
    public var kind: String
    /// What the line is, for people.
    public var label: String
    /// The change this line makes (the base price for `market_price`); negative for deductions.
    public var amount: Tenge
    /// The running total after this line.
    public var subtotal: Tenge

    public init(kind: String, label: String, amount: Tenge, subtotal: Tenge) {
        self.kind = kind
        self.label = label
        self.amount = amount
        self.subtotal = subtotal
    }
}

/// A priced offer: the market price times the grade factor, deductions, bonuses, rounded down to the rule set's
/// step and never negative, with a line per step.
public struct PriceQuote: Sendable, Hashable, Codable {
    public var ruleSetID: String
    public var modelID: String
    public var modelName: String
    public var storageGB: Int?
    public var marketPrice: Tenge
    /// Whether the market price is a sample figure rather than the operator's.
    public var sampleFigures: Bool
    public var lines: [PriceLine]
    /// The offer.
    public var amount: Tenge

    enum CodingKeys: String, CodingKey {
        case ruleSetID = "rule_set", modelID = "model_id", modelName = "model_name", storageGB = "storage_gb"
        case marketPrice = "market_price", sampleFigures = "sample_figures", lines, amount
    }
}

public enum Pricing {
    /// Prices `model` in the size `price` for a grade that has no blocker.
    public static func quote(
        model: CatalogModel, price: StoragePrice, grade: GradeResult, ruleSet: RuleSet, sampleFigures: Bool
    ) -> PriceQuote {
        let market = price.marketPrice
        let size = price.storageGB.map { " \(StorageSize.label($0))" } ?? ""
        var lines = [PriceLine(kind: "market_price", label: "Average market price, \(model.displayName)\(size)", amount: market, subtotal: market)]
        var total = market

        func add(_ kind: String, _ label: String, _ change: Tenge) {
            total += change
            lines.append(PriceLine(kind: kind, label: label, amount: change, subtotal: total))
        }

        let graded = market.percent(grade.factorPercent)
        add("grade_factor", "Grade: functional \(grade.functional.rawValue), cosmetic \(grade.cosmetic.rawValue), factor \(grade.factorPercent)%", graded - market)
        if let battery = grade.batteryHealthPercent, let tier = ruleSet.batteryTier(for: battery) {
            add("battery_deduction", "Battery health \(battery)% (under \(tier.belowPercent)%): \(tier.deductPercent)% off", Tenge(0) - graded.percent(tier.deductPercent))
        }
        if grade.hasBox {
            add("box_bonus", "Factory box: \(ruleSet.boxBonusPercent)% of the market price", market.percent(ruleSet.boxBonusPercent))
        }
        if grade.hasCharger {
            add("charger_bonus", "Charger and cable: \(ruleSet.chargerBonusPercent)% of the market price", market.percent(ruleSet.chargerBonusPercent))
        }
        if total < .zero {
            add("floor", "An offer is never negative", Tenge(0) - total)
        }
        let rounded = total.roundedDown(toMultipleOf: ruleSet.roundingStep)
        if rounded != total {
            add("rounding", "Rounded down to a multiple of \(Tenge(ruleSet.roundingStep).formatted)", rounded - total)
        }
        return PriceQuote(
            ruleSetID: ruleSet.id, modelID: model.id, modelName: model.displayName, storageGB: price.storageGB,
            marketPrice: market, sampleFigures: sampleFigures, lines: lines, amount: total)
    }
}
