// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Testing

/// The repository's `data/` folder, found from this file (tests run from a checkout).
let dataDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data")

struct CatalogTests {
    let catalog: Catalog

    init() throws { catalog = try Fixtures.defaultCatalog.get() }

    // MARK: - The embedded default

    /// The compiled-in copies are the files, byte for byte (the generator drops one final line break).
    @Test(arguments: ["catalog.json", "stores.csv"])
    func embeddedDataIsByteForByteTheDataFiles(_ file: String) throws {
        var text = String(decoding: try Data(contentsOf: dataDirectory.appendingPathComponent(file)), as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        let embedded = file == "catalog.json" ? Catalog.defaultCatalogJSON : StoreList.defaultCSV
        // Compared as a Bool so that a drift reports one line, not two 90 KB strings.
        let same = text == embedded
        #expect(same, "data/\(file) differs from the copy compiled into the program: run scripts/embed-data")
    }

    @Test func embeddedCatalogParsesLikeTheFile() throws {
        let file = try Catalog(contentsOf: dataDirectory.appendingPathComponent("catalog.json"))
        #expect(file.models == catalog.models)
        #expect(file.version == catalog.version)
        let stores = try StoreList(contentsOf: dataDirectory.appendingPathComponent("stores.csv"))
        #expect(stores.stores == (try Fixtures.defaultStores.get()).stores)
    }

    @Test func pricesAreMarkedAsSampleFigures() {
        #expect(catalog.pricesAreSampleFigures)
        #expect(catalog.source == "embedded catalog.json")
    }

    @Test func everyIPhoneFromTheSixToTheNewestIsThere() {
        let identifiers = Set(catalog.models.flatMap(\.identifiers))
        let expected = [
            "iPhone7,1", "iPhone7,2", "iPhone8,1", "iPhone8,2", "iPhone8,4", "iPhone9,1", "iPhone9,2", "iPhone9,3",
            "iPhone9,4", "iPhone10,1", "iPhone10,2", "iPhone10,3", "iPhone10,4", "iPhone10,5", "iPhone10,6",
            "iPhone11,2", "iPhone11,4", "iPhone11,6", "iPhone11,8", "iPhone12,1", "iPhone12,3", "iPhone12,5",
            "iPhone12,8", "iPhone13,1", "iPhone13,2", "iPhone13,3", "iPhone13,4", "iPhone14,2", "iPhone14,3",
            "iPhone14,4", "iPhone14,5", "iPhone14,6", "iPhone14,7", "iPhone14,8", "iPhone15,2", "iPhone15,3",
            "iPhone15,4", "iPhone15,5", "iPhone16,1", "iPhone16,2", "iPhone17,1", "iPhone17,2", "iPhone17,3",
            "iPhone17,4", "iPhone17,5", "iPhone18,1", "iPhone18,2", "iPhone18,3", "iPhone18,4",
        ]
        #expect(Set(expected).subtracting(identifiers).isEmpty, "missing: \(Set(expected).subtracting(identifiers).sorted())")
    }

    @Test(arguments: DeviceFamily.allCases)
    func everyFamilyHasAcceptedModels(_ family: DeviceFamily) {
        #expect(catalog.models.contains { $0.family == family && Eligibility.isAccepted($0, ruleSet: .current) })
    }

    @Test func atLeastEightyAndroidModelsOverAllSevenBrands() {
        let android = catalog.models.filter { $0.family == .androidPhone }
        #expect(android.count >= 80)
        #expect(Set(android.map(\.brand)) == ["Samsung", "Xiaomi", "Oppo", "Realme", "Vivo", "Huawei", "Honor"])
        for brand in ["Samsung", "Xiaomi", "Oppo", "Realme", "Vivo", "Huawei", "Honor"] {
            #expect(android.filter { $0.brand == brand }.count >= 8, "\(brand) has few models")
        }
        #expect(android.contains { $0.name.hasPrefix("Redmi") })
        #expect(android.contains { $0.name.hasPrefix("POCO") })
    }

    @Test func everyAcceptedModelHasAPricedVariantAndEveryRefusalAReason() {
        for model in catalog.models {
            if let refusal = model.refusal {
                #expect(refusal.reason.hasSuffix("."), "\(model.id)")
            } else {
                #expect(!model.prices.isEmpty, "\(model.id)")
            }
            #expect(model.prices.allSatisfy { $0.marketPrice > .zero }, "\(model.id)")
        }
    }

    // MARK: - Lookup

    struct LookupCase: Sendable {
        let query: String
        let id: String
    }

    @Test(arguments: [
        LookupCase(query: "iPhone12,1", id: "iphone-11"),
        LookupCase(query: "iphone12,1", id: "iphone-11"),
        LookupCase(query: "iPhone 11", id: "iphone-11"),
        LookupCase(query: "  IPHONE   11 ", id: "iphone-11"),
        LookupCase(query: "iphone11", id: "iphone-11"),
        LookupCase(query: "Apple iPhone 11", id: "iphone-11"),
        LookupCase(query: "iPhone 11 Pro Max", id: "iphone-11-pro-max"),
        LookupCase(query: "iPhone SE 2", id: "iphone-se-2nd-generation"),
        LookupCase(query: "iPhone SE (2nd generation)", id: "iphone-se-2nd-generation"),
        LookupCase(query: "iPhone8,4", id: "iphone-se-1st-generation"),
        LookupCase(query: "SM-G973F", id: "samsung-galaxy-s10"),
        LookupCase(query: "sm g973f", id: "samsung-galaxy-s10"),
        LookupCase(query: "SM-A536E/DS", id: "samsung-galaxy-a53-5g"),
        LookupCase(query: "SM-A536B", id: "samsung-galaxy-a53-5g"),
        LookupCase(query: "SM-A525F", id: "samsung-galaxy-a52"),
        LookupCase(query: "Galaxy S10+", id: "samsung-galaxy-s10-plus"),
        LookupCase(query: "Samsung Galaxy S10 Plus", id: "samsung-galaxy-s10-plus"),
        LookupCase(query: "galaxy s10", id: "samsung-galaxy-s10"),
        LookupCase(query: "Redmi Note 12", id: "xiaomi-redmi-note-12"),
        LookupCase(query: "Xiaomi Redmi Note 12", id: "xiaomi-redmi-note-12"),
        LookupCase(query: "iPad6,11", id: "ipad-5th-generation"),
        LookupCase(query: "MacBookAir10,1", id: "macbook-air-m1-2020"),
        LookupCase(query: "A2084", id: "airpods-pro"),
        LookupCase(query: "Watch6,18", id: "apple-watch-ultra"),
    ])
    func findsByIdentifierCodeNameOrAlias(_ c: LookupCase) throws {
        let model = try #require(catalog.lookup(c.query).model, "\(c.query) not found")
        #expect(model.id == c.id)
    }

    @Test func suggestsCloseNamesWhenNothingMatches() throws {
        let match = catalog.lookup("iPhone 11 Pro Maxx")
        #expect(match.model == nil)
        guard case .notFound(_, let suggestions) = match else { return }
        #expect(suggestions.first?.id == "iphone-11-pro-max")
        #expect(match.notFoundMessage?.contains("did you mean \"iPhone 11 Pro Max\"") == true)

        guard case .notFound(_, let galaxy) = catalog.lookup("Galaxy S2") else { return }
        #expect(galaxy.contains { $0.name.hasPrefix("Galaxy S2") })

        guard case .notFound(_, let codes) = catalog.lookup("SM-G937F") else { return }
        #expect(codes.first?.id == "samsung-galaxy-s10", "two digits swapped in a model code: \(codes.map(\.id))")
    }

    @Test func saysSoWhenNothingIsClose() {
        let match = catalog.lookup("Nokia 3310 banana")
        guard case .notFound(let query, let suggestions) = match else {
            Issue.record("found a model for nonsense")
            return
        }
        #expect(query == "Nokia 3310 banana")
        #expect(suggestions.isEmpty)
        #expect(match.notFoundMessage?.contains("intake-agent catalog") == true)
        #expect(catalog.lookup("").model == nil)
        #expect(catalog.lookup("---").model == nil)
    }
}
