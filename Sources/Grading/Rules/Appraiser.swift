// SPDX-License-Identifier: Apache-2.0

/// What the appraiser needs to know about one device at one store.
public struct AppraisalRequest: Sendable, Hashable {
    /// What to look the model up by; `nil` uses the facts' identifier, then their name.
    public var model: String?
    public var facts: DeviceFacts
    public var answers: ChecklistAnswers
    /// The store at which the device is offered (Apple products are refused at two stores).
    public var store: Store?
    /// The store's IMEI blocklist (read by the caller; Grading does no I/O).
    public var blocklistedIMEIs: Set<String>

    public init(
        model: String? = nil, facts: DeviceFacts = DeviceFacts(), answers: ChecklistAnswers = ChecklistAnswers(),
        store: Store? = nil, blocklistedIMEIs: Set<String> = []
    ) {
        self.model = model
        self.facts = facts
        self.answers = answers
        self.store = store
        self.blocklistedIMEIs = blocklistedIMEIs
    }
}

/// The whole verdict for one device: the model found, eligibility, grade and price, or the refusals.
public struct Appraisal: Sendable, Hashable, Encodable {
    public var ruleSetID: String
    /// The catalog's model, when the lookup found one.
    public var model: CatalogModel?
    /// Models close to what was asked, when the lookup found none.
    public var suggestions: [CatalogModel]
    public var storageGB: Int?
    /// Every reason there is no offer (eligibility first, then blockers); empty for an offer.
    public var refusals: [Refusal]
    public var grade: GradeResult?
    public var quote: PriceQuote?

    /// Whether there is an offer.
    public var isOffer: Bool { refusals.isEmpty && quote != nil }
    /// Whether the offer is final (nothing pending): only then may a certificate be issued.
    public var isFinal: Bool { isOffer && (grade?.pending.isEmpty ?? false) }

    enum CodingKeys: String, CodingKey {
        case offer, final, ruleSetID = "rule_set", model, suggestions, storageGB = "storage_gb", refusals, grade, quote
        case amount
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(isOffer, forKey: .offer)
        try c.encode(isFinal, forKey: .final)
        try c.encode(isOffer ? quote?.amount : nil, forKey: .amount)
        try c.encode(ruleSetID, forKey: .ruleSetID)
        try c.encode(model, forKey: .model)
        if !suggestions.isEmpty { try c.encode(suggestions.map(\.displayName), forKey: .suggestions) }
        try c.encode(storageGB, forKey: .storageGB)
        try c.encode(refusals, forKey: .refusals)
        try c.encode(grade, forKey: .grade)
        try c.encode(quote, forKey: .quote)
    }
}

/// Looks the model up, checks eligibility, grades and prices: the one entry point sessions and the `quote` command
/// share. Pure: everything it needs is passed in.
public struct Appraiser: Sendable {
    public let catalog: Catalog
    public let ruleSet: RuleSet

    public init(catalog: Catalog, ruleSet: RuleSet = .current) {
        self.catalog = catalog
        self.ruleSet = ruleSet
    }

    public func appraise(_ request: AppraisalRequest) -> Appraisal {
        var appraisal = Appraisal(
            ruleSetID: ruleSet.id, model: nil, suggestions: [], storageGB: request.facts.storageGB, refusals: [],
            grade: nil, quote: nil)

        guard let query = request.model ?? request.facts.identifier ?? request.facts.name else {
            appraisal.refusals = [Refusal(code: "unknown_model", reason: "The device did not say what model it is: type its model or model code.")]
            return appraisal
        }
        let match = catalog.lookup(query)
        let model: CatalogModel
        switch match {
        case .found(let found):
            model = found
        case .ambiguous(_, let candidates):
            appraisal.suggestions = candidates
            appraisal.refusals = [Refusal(code: "ambiguous_model", reason: match.notFoundMessage ?? "")]
            return appraisal
        case .notFound(_, let suggestions):
            appraisal.suggestions = suggestions
            appraisal.refusals = [Refusal(code: "unknown_model", reason: match.notFoundMessage ?? "")]
            return appraisal
        }
        appraisal.model = model
        appraisal.refusals = Eligibility.check(model, store: request.store, ruleSet: ruleSet).refusals

        let price = model.price(storageGB: request.facts.storageGB)
        if price == nil && appraisal.refusals.isEmpty {
            let sizes = model.storageSizes.map(StorageSize.label).joined(separator: ", ")
            let reason = request.facts.storageGB.map {
                "The catalog has no price for \(model.displayName) with \(StorageSize.label($0)); it lists \(sizes): check the storage size."
            } ?? "Say the storage size of the \(model.displayName): the catalog lists \(sizes)."
            appraisal.refusals.append(Refusal(code: "storage_unknown", reason: reason))
        }
        appraisal.storageGB = price?.storageGB ?? request.facts.storageGB

        let grade = Grader.grade(
            family: model.family, facts: request.facts, answers: request.answers,
            blocklistedIMEIs: request.blocklistedIMEIs, ruleSet: ruleSet)
        appraisal.grade = grade
        appraisal.refusals += grade.blockers
        if appraisal.refusals.isEmpty, let price {
            appraisal.quote = Pricing.quote(
                model: model, price: price, grade: grade, ruleSet: ruleSet, sampleFigures: catalog.pricesAreSampleFigures)
        }
        return appraisal
    }
}
