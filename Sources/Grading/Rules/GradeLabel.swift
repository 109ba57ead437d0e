// SPDX-License-Identifier: Apache-2.0

/// A grade as certificates record it: `FUNCTIONAL/COSMETIC` on the rule set's scale (`ok/B`, `minor/C`). A bare
/// cosmetic grade (`B`) means a fully functional device (`ok/B`).
public struct GradeLabel: Sendable, Hashable, CustomStringConvertible {
    public var functional: FunctionalGrade
    public var cosmetic: CosmeticGrade

    public init(functional: FunctionalGrade, cosmetic: CosmeticGrade) {
        self.functional = functional
        self.cosmetic = cosmetic
    }

    /// Parses `ok/B`, `minor/c`, `B`; `nil` for anything off the scale.
    public init?(_ text: String) {
        let parts = text.trimmingASCIIWhitespace().split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let cosmetic = CosmeticGrade(rawValue: parts[0].uppercased()) else { return nil }
            self.init(functional: .ok, cosmetic: cosmetic)
        case 2:
            guard let functional = FunctionalGrade(rawValue: parts[0].lowercased()),
                let cosmetic = CosmeticGrade(rawValue: parts[1].uppercased())
            else { return nil }
            self.init(functional: functional, cosmetic: cosmetic)
        default:
            return nil
        }
    }

    /// `ok/B`.
    public var description: String { "\(functional.rawValue)/\(cosmetic.rawValue)" }

    /// The sentence for a grade that is not on the scale.
    public static func offScale(_ text: String) -> String {
        let functional = FunctionalGrade.allCases.map(\.rawValue).joined(separator: ", ")
        let cosmetic = CosmeticGrade.allCases.map(\.rawValue).joined(separator: ", ")
        return "The grade \"\(TextInput.shown(text))\" is not on the rule set's scale: write FUNCTIONAL/COSMETIC with functional one of \(functional) and cosmetic one of \(cosmetic) (ok/B)."
    }
}

extension Pricing {
    /// The most the rules offer for `model` at `grade`: its largest storage's market price times the grade factor,
    /// rounded down to the rule set's step, without battery deduction or kit bonus. `nil` when the catalog has
    /// no price for it, or one outside ``StoragePrice/marketPriceRange`` (a model built in code; a loaded catalog
    /// refuses such a price, naming the entry).
    public static func ceiling(model: CatalogModel, grade: GradeLabel, ruleSet: RuleSet) -> Tenge? {
        guard let top = model.prices.map(\.marketPrice).max(),
            model.prices.allSatisfy({ StoragePrice.marketPriceRange.contains($0.marketPrice.amount) })
        else { return nil }
        return top.checkedPercent(ruleSet.factor(functional: grade.functional, cosmetic: grade.cosmetic))?
            .roundedDown(toMultipleOf: ruleSet.roundingStep)
    }
}
