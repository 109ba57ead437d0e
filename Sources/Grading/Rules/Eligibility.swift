// SPDX-License-Identifier: Apache-2.0

/// One reason the program refuses a device or a sale, with a stable code and a sentence to read aloud.
public struct Refusal: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A stable code: `unknown_model`, `model_refused`, `brand_not_accepted`, `store_takes_no_apple`,
    /// `storage_unknown`, or a check id (`activation_lock`...) for a blocker.
    public var code: String
    public var reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

/// Whether the program takes a model at all (before its condition is looked at).
public enum Eligibility: Sendable, Hashable {
    case eligible
    case refused([Refusal])

    public var isEligible: Bool { self == .eligible }

    public var refusals: [Refusal] {
        if case .refused(let refusals) = self { return refusals }
        return []
    }

    /// The operator's rules for `model`: refused models (with the catalog's reason) unless a rule-set setting
    /// accepts them, the accepted brands, and the stores that take no Apple products (`store`, when known).
    public static func check(_ model: CatalogModel, store: Store?, ruleSet: RuleSet) -> Eligibility {
        var refusals: [Refusal] = []
        if let refusal = model.refusal {
            let accepted = refusal.unlessSetting.map { ruleSet.settings.contains($0) } ?? false
            if !accepted { refusals.append(Refusal(code: "model_refused", reason: refusal.reason)) }
        }
        if model.refusal == nil, let oldest = ruleSet.minimumYear[model.family], model.year < oldest {
            refusals.append(Refusal(
                code: "model_too_old",
                reason: "The program takes \(model.family.label) models from \(oldest) on; the \(model.displayName) is from \(model.year)."))
        }
        if ruleSet.acceptedBrand(model.brand) == nil {
            refusals.append(Refusal(
                code: "brand_not_accepted",
                reason: "The program does not take \(model.brand) devices; it takes \(ruleSet.acceptedBrands.joined(separator: ", "))."))
        }
        if let store, model.family.isApple, !store.acceptsApple {
            refusals.append(Refusal(
                code: "store_takes_no_apple",
                reason: "The store \(store.id) (\(store.city), \(store.address)) takes no Apple products: send the customer to another store of the program."))
        }
        return refusals.isEmpty ? .eligible : .refused(refusals)
    }

    /// Whether `model` is eligible anywhere (ignoring stores), for listings.
    public static func isAccepted(_ model: CatalogModel, ruleSet: RuleSet) -> Bool {
        check(model, store: nil, ruleSet: ruleSet).isEligible
    }
}
