// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation
import Grading
import Intake

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Lists the models in the price catalog."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var rules: CatalogOptions

    @Option(help: "Lists only this brand's models (Apple, Samsung, Xiaomi, Redmi, POCO, Oppo, Realme, Vivo, Huawei, Honor).")
    var brand: String?

    @Flag(help: "Lists only the models the program accepts.")
    var eligibleOnly = false

    @Flag(help: "Prints the list as one JSON object.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let configuration = try global.loadConfiguration()
            let catalog = try rules.loadCatalog(configuration)
            let ruleSet = rules.ruleSet(configuration)
            var models = catalog.models
            if let brand {
                let wanted = ruleSet.acceptedBrand(brand) ?? brand
                models = models.filter { $0.brand.lowercased() == wanted.lowercased() }
                if models.isEmpty {
                    throw Failure("No brand \"\(brand)\" is in the catalog; its brands are \(catalog.brands.joined(separator: ", ")).")
                }
            }
            if eligibleOnly { models = models.filter { Eligibility.isAccepted($0, ruleSet: ruleSet) } }
            if json {
                try Output.json(CatalogListing(catalog: catalog, ruleSet: ruleSet, models: models))
                return
            }
            printTable(models, catalog: catalog, ruleSet: ruleSet)
        }
    }

    private func printTable(_ models: [CatalogModel], catalog: Catalog, ruleSet: RuleSet) {
        var rows: [[String]] = []
        var lastGroup = ""
        for model in models {
            let group = model.family.isApple ? "Apple \(model.family.label)" : "\(model.brand)"
            if group != lastGroup {
                if !rows.isEmpty { rows.append([]) }
                rows.append([group])
                lastGroup = group
            }
            let status: String
            switch Eligibility.check(model, store: nil, ruleSet: ruleSet) {
            case .eligible: status = priceRange(model)
            case .refused(let refusals): status = "refused: " + refusals.map(\.reason).joined(separator: " ")
            }
            let sizes = sizesText(model.storageSizes)
            rows.append(["  " + model.name, String(model.year), model.identifiers.joined(separator: " "), sizes, status])
        }
        for line in TextTable.render(rows) { Output.line(line) }
        let eligible = models.filter { Eligibility.isAccepted($0, ruleSet: ruleSet) }.count
        Output.line("")
        Output.line(
            "\(models.count) models, \(eligible) accepted; catalog \(catalog.version) (\(catalog.source)), rule set \(ruleSet.id)"
                + (catalog.pricesAreSampleFigures ? "; prices are sample figures." : "."))
    }

    /// `16/32/64 GB`, or `256 GB/512 GB/1 TB` once terabytes appear.
    private func sizesText(_ sizes: [Int]) -> String {
        guard let largest = sizes.last else { return "" }
        if largest < 1024 { return sizes.map(String.init).joined(separator: "/") + " GB" }
        return sizes.map(StorageSize.label).joined(separator: "/")
    }

    private func priceRange(_ model: CatalogModel) -> String {
        let amounts = model.prices.map(\.marketPrice)
        guard let low = amounts.min(), let high = amounts.max() else { return "" }
        return low == high ? low.formatted : "\(low.groupedDigits) – \(high.formatted)"
    }
}

/// The options `catalog` and `quote` share: which catalog, and which rule-set settings.
struct CatalogOptions: ParsableArguments {
    @Option(help: "The operator's catalog file (JSON, format 1) to use instead of the built-in one.")
    var catalog: String?

    @Option(
        name: .customLong("setting"),
        help: ArgumentHelp("Switches on a named rule-set setting (accept_iphone_se_3rd_generation); repeatable.", valueName: "name"))
    var settings: [String] = []

    func validate() throws {
        for setting in settings where !RuleSet.knownSettings.contains(setting) {
            throw ValidationError("Unknown setting '\(setting)'; the settings are \(RuleSet.knownSettings.joined(separator: ", ")).")
        }
    }

    /// The catalog in force: `--catalog`, else the configuration's `catalog_path`, else the built-in one.
    func loadCatalog(_ configuration: AgentConfiguration) throws -> Catalog {
        try StationRules.catalog(path: catalog ?? configuration.catalogPath)
    }

    /// The rule set with the settings of the configuration and of `--setting` switched on.
    func ruleSet(_ configuration: AgentConfiguration) -> RuleSet {
        StationRules.ruleSet(settings: configuration.ruleSettings + settings)
    }
}

/// The catalog and rule set every command uses, from one place, so that `quote`, `catalog`, `intake`, `run`,
/// `certificate issue` and `demo` give the same offer for the same device and configuration.
enum StationRules {
    static func catalog(path: String?) throws -> Catalog {
        guard let path else { return try Catalog.loadDefault() }
        return try Catalog(contentsOf: URL(fileURLWithPath: path))
    }

    static func ruleSet(settings: [String]) -> RuleSet {
        Set(settings).sorted().reduce(RuleSet.current) { $0.enabling($1) }
    }
}

extension GlobalOptions {
    /// The configuration in force (`--config`, `$INTAKE_AGENT_CONFIG`, /etc, the data directory); a file that is
    /// named but missing or unreadable is an error, never the defaults.
    func loadConfiguration(dataDirectory: URL? = nil) throws -> AgentConfiguration {
        do throws(AgentConfiguration.Invalid) {
            return try AgentConfiguration.load(
                explicitPath: config, dataDirectory: dataDirectory ?? resolvedDataDir,
                environment: ProcessInfo.processInfo.environment)
        } catch {
            throw Failure(error.description)
        }
    }
}

/// `catalog --json`: the catalog's header and the listed models with their eligibility.
private struct CatalogListing: Encodable {
    let catalog: Catalog
    let ruleSet: RuleSet
    let models: [CatalogModel]

    struct Entry: Encodable {
        let model: CatalogModel
        let eligible: Bool
        let refusals: [Refusal]
        enum CodingKeys: String, CodingKey {
            case id, family, brand, name, displayName = "display_name", year, identifiers, aliases, prices, eligible, refusals
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(model.id, forKey: .id)
            try c.encode(model.family, forKey: .family)
            try c.encode(model.brand, forKey: .brand)
            try c.encode(model.name, forKey: .name)
            try c.encode(model.displayName, forKey: .displayName)
            try c.encode(model.year, forKey: .year)
            try c.encode(model.identifiers, forKey: .identifiers)
            try c.encode(model.aliases, forKey: .aliases)
            try c.encode(model.prices, forKey: .prices)
            try c.encode(eligible, forKey: .eligible)
            try c.encode(refusals, forKey: .refusals)
        }
    }

    enum CodingKeys: String, CodingKey {
        case catalogVersion = "catalog_version", source, sampleFigures = "prices_are_sample_figures", ruleSet = "rule_set"
        case count, models
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(catalog.version, forKey: .catalogVersion)
        try c.encode(catalog.source, forKey: .source)
        try c.encode(catalog.pricesAreSampleFigures, forKey: .sampleFigures)
        try c.encode(ruleSet.id, forKey: .ruleSet)
        try c.encode(models.count, forKey: .count)
        try c.encode(
            models.map { model in
                let refusals = Eligibility.check(model, store: nil, ruleSet: ruleSet).refusals
                return Entry(model: model, eligible: refusals.isEmpty, refusals: refusals)
            }, forKey: .models)
    }
}

/// Left-aligned text columns; a row with one cell is a heading, an empty row a blank line.
enum TextTable {
    static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        var widths: [Int] = []
        for row in rows where row.count > 1 {
            for (column, cell) in row.enumerated() {
                if column >= widths.count { widths.append(0) }
                widths[column] = max(widths[column], cell.count)
            }
        }
        return rows.map { row in
            guard row.count > 1 else { return row.first ?? "" }
            var line = ""
            for (column, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                let isLast = column == row.count - 1
                line += rightAligned.contains(column) ? pad + cell : cell + (isLast ? "" : pad)
                if !isLast { line += "  " }
            }
            return line
        }
    }
}
