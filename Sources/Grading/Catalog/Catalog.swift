// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// The price catalog: every model the program knows, accepted or refused, with identifiers, names and sample
/// market prices. It is data the operator edits (`data/catalog.json`, format 1); the default is compiled into the
/// program so an installed binary needs no file beside it.
public struct Catalog: Sendable {
    /// The catalog's own version string (`catalog_version` in the file).
    public let version: String
    /// Whether the prices are sample figures rather than the operator's (`prices_are_sample_figures`).
    public let pricesAreSampleFigures: Bool
    /// Where the catalog came from (a path, or `embedded catalog.json`), for messages.
    public let source: String
    public let models: [CatalogModel]

    /// Normalized identifier, name and alias → index into `models`.
    let index: [String: Int]
    /// Normalized identifiers several models report (different model years) → their indices.
    let sharedIdentifiers: [String: [Int]]
    /// The unique keys as bytes, for "did you mean" suggestions.
    let suggestionKeys: [SuggestionKey]

    /// The catalog compiled into the program from `data/catalog.json`.
    public static func loadDefault() throws -> Catalog {
        try Catalog(data: Data(EmbeddedData.catalogJSON.utf8), source: "embedded catalog.json")
    }

    /// The embedded `data/catalog.json` (without its final line break), as compiled in by `scripts/embed-data`.
    public static var defaultCatalogJSON: String { EmbeddedData.catalogJSON }

    /// The size of the embedded `catalog.json` in bytes.
    public static var defaultCatalogByteCount: Int { EmbeddedData.catalogJSON.utf8.count }

    /// Reads and validates the operator's catalog file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CatalogError(source: url.path, message: FileReadFailure.sentence(for: url))
        }
        try self.init(data: data, source: url.path)
    }

    /// Parses and validates catalog JSON; errors name `source`, the entry and the field.
    public init(data: Data, source: String) throws {
        let root: JSONValue
        do {
            root = try JSONParser.parse(Array(data))
        } catch {
            throw CatalogError(
                source: source, message: "is not valid JSON at line \(error.line), column \(error.column): \(error.message).")
        }
        try self.init(root: root, source: source)
    }

    /// Builds a catalog from models already in memory (tests, tools); validated like a file.
    public init(models: [CatalogModel], version: String, pricesAreSampleFigures: Bool, source: String) throws {
        let (index, shared) = try CatalogValidator.index(models, source: source)
        self.version = version
        self.pricesAreSampleFigures = pricesAreSampleFigures
        self.source = source
        self.models = models
        self.index = index
        self.sharedIdentifiers = shared
        self.suggestionKeys = index.map { SuggestionKey(bytes: Array($0.key.utf8), position: $0.value) }
    }

    /// The model with this catalog id (`iphone-11`).
    public func model(id: String) -> CatalogModel? { models.first { $0.id == id } }

    /// The brands in the catalog, in catalog order.
    public var brands: [String] {
        var seen = Set<String>()
        return models.map(\.brand).filter { seen.insert($0).inserted }
    }
}

/// A catalog that cannot be used: names the file, the entry and the field, and says what to fix.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    public let source: String
    /// `model #12 (iphone-11)`, or `nil` for the file as a whole.
    public let entry: String?
    /// `prices[1].market_price`, or `nil`.
    public let field: String?
    public let message: String

    public init(source: String, entry: String? = nil, field: String? = nil, message: String) {
        self.source = source
        self.entry = entry
        self.field = field
        self.message = message
    }

    public var description: String {
        var text = source
        if let entry { text += ": \(entry)" }
        if let field { text += ", field \(field)" }
        return text + " " + message
    }
}
