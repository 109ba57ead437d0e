// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Testing

/// The operator edits the catalog: every mistake gets an error naming the file, the entry and the field.
struct CatalogValidationTests {
    static let goodModel = #"{"id": "iphone-11", "family": "iphone", "brand": "Apple", "name": "iPhone 11", "year": 2019, "identifiers": ["iPhone12,1"], "prices": [{"storage_gb": 64, "market_price": 125000}, {"storage_gb": 128, "market_price": 140000}]}"#
    static let refusedModel = #"{"id": "iphone-5s", "family": "iphone", "brand": "Apple", "name": "iPhone 5s", "year": 2013, "identifiers": ["iPhone6,1"], "refusal": {"reason": "Too old."}}"#

    static func document(_ models: [String], header: String = #""format": 1, "catalog_version": "t", "currency": "KZT""#) -> String {
        "{\(header), \"models\": [\n\(models.joined(separator: ",\n"))\n]}"
    }

    @Test func aGoodFileLoads() throws {
        let catalog = try Catalog(data: Data(Self.document([Self.goodModel, Self.refusedModel]).utf8), source: "ops.json")
        #expect(catalog.models.count == 2)
        #expect(catalog.pricesAreSampleFigures == false)
        #expect(catalog.lookup("iPhone 11").model?.price(storageGB: 128)?.marketPrice == Tenge(140_000))
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        let what: String
        let json: String
        /// Every fragment must appear in the error's text.
        let fragments: [String]
        var testDescription: String { what }
    }

    static func replacing(_ old: String, _ new: String) -> String {
        document([goodModel.replacingOccurrences(of: old, with: new)])
    }

    static let badCases: [BadCase] = [
        BadCase(what: "not JSON", json: "{\"format\": 1,\n  \"models\": [\n    {\"id\": \"x\",}\n]}", fragments: ["ops.json", "line 3", "column"]),
        BadCase(what: "truncated", json: "{\"format\": 1, \"models\": [", fragments: ["ops.json", "ends"]),
        BadCase(what: "empty file", json: "", fragments: ["ops.json", "not valid JSON"]),
        BadCase(what: "a list at the top", json: "[]", fragments: ["ops.json", "one JSON object"]),
        BadCase(what: "key twice", json: #"{"format": 1, "format": 1}"#, fragments: ["line 1", "\"format\" appears twice"]),
        BadCase(what: "wrong format", json: document([goodModel], header: #""format": 2, "catalog_version": "t", "currency": "KZT""#), fragments: ["field format", "format 1"]),
        BadCase(what: "wrong currency", json: document([goodModel], header: #""format": 1, "catalog_version": "t", "currency": "USD""#), fragments: ["field currency", "KZT"]),
        BadCase(what: "unknown top-level field", json: document([goodModel], header: #""format": 1, "catalog_version": "t", "currency": "KZT", "modles": []"#), fragments: ["field modles", "spelling"]),
        BadCase(what: "models not a list", json: #"{"format": 1, "catalog_version": "t", "currency": "KZT", "models": {}}"#, fragments: ["field models", "list"]),
        BadCase(what: "fractional price", json: replacing("125000", "125000.5"), fragments: ["model #1 (iphone-11)", "prices[0].market_price", "whole number"]),
        BadCase(what: "price as text", json: replacing("125000", "\"125000\""), fragments: ["model #1 (iphone-11)", "prices[0].market_price", "not text"]),
        BadCase(what: "zero price", json: replacing("140000", "0"), fragments: ["prices[1].market_price", "above zero"]),
        BadCase(what: "negative price", json: replacing("140000", "-5"), fragments: ["prices[1].market_price", "above zero"]),
        BadCase(what: "price past the bound", json: replacing("140000", "100000001"), fragments: ["model #1 (iphone-11)", "prices[1].market_price", "at most 100 000 000 KZT"]),
        BadCase(what: "price near Int.max", json: replacing("140000", "9223372036854775807"), fragments: ["model #1 (iphone-11)", "prices[1].market_price", "at most"]),
        BadCase(what: "price past Int", json: replacing("140000", "92233720368547758070"), fragments: ["model #1 (iphone-11)", "prices[1].market_price", "whole number"]),
        BadCase(what: "storage past the bound", json: replacing("\"storage_gb\": 128", "\"storage_gb\": 9223372036854775807"), fragments: ["prices[1].storage_gb", "from 1 to 65536"]),
        BadCase(what: "size twice", json: replacing("\"storage_gb\": 128", "\"storage_gb\": 64"), fragments: ["prices[1].storage_gb", "twice"]),
        BadCase(what: "misspelt field", json: replacing("\"year\"", "\"yaer\""), fragments: ["model #1 (iphone-11)", "field yaer"]),
        BadCase(what: "missing year", json: replacing("\"year\": 2019, ", ""), fragments: ["model #1 (iphone-11)", "field year", "missing"]),
        BadCase(what: "unknown family", json: replacing("\"iphone\"", "\"phone\""), fragments: ["field family", "android_phone"]),
        BadCase(what: "Apple family, other brand", json: replacing("\"Apple\"", "\"Samsung\""), fragments: ["field brand", "Apple"]),
        BadCase(what: "Apple brand, Android family", json: replacing("\"iphone\"", "\"android_phone\""), fragments: ["field brand", "is Apple"]),
        BadCase(what: "no identifiers", json: replacing("[\"iPhone12,1\"]", "[]"), fragments: ["field identifiers", "empty"]),
        BadCase(what: "blank identifier", json: replacing("[\"iPhone12,1\"]", "[\"iPhone12,1\", \" \"]"), fragments: ["field identifiers[1]"]),
        BadCase(what: "no prices, no refusal", json: replacing(", \"prices\": [{\"storage_gb\": 64, \"market_price\": 125000}, {\"storage_gb\": 128, \"market_price\": 140000}]", ""), fragments: ["field prices", "accepted model"]),
        BadCase(what: "bad id", json: replacing("\"iphone-11\"", "\"iPhone 11\""), fragments: ["model #1 (iPhone 11)", "field id"]),
        BadCase(what: "model not an object", json: document(["42"]), fragments: ["model #1", "object"]),
        BadCase(what: "refusal without reason", json: document([refusedModel.replacingOccurrences(of: "\"reason\": \"Too old.\"", with: "\"why\": \"x\"")]), fragments: ["model #1 (iphone-5s)", "field refusal.why"]),
        BadCase(what: "duplicate id", json: document([goodModel, goodModel.replacingOccurrences(of: "iPhone12,1", with: "iPhone99,1").replacingOccurrences(of: "\"iPhone 11\"", with: "\"iPhone 99\"")]), fragments: ["model #2 (iphone-11)", "field id", "model #1"]),
        BadCase(what: "identifier shared in one year", json: document([goodModel, refusedModel.replacingOccurrences(of: "iPhone6,1", with: "IPHONE12,1").replacingOccurrences(of: "2013", with: "2019")]), fragments: ["model #2 (iphone-5s)", "field identifiers", "model #1 (iphone-11)", "same year"]),
        BadCase(what: "name equal to another's identifier", json: document([goodModel, refusedModel.replacingOccurrences(of: "\"iPhone 5s\"", with: "\"iPhone12,1\"")]), fragments: ["model #2 (iphone-5s)", "field name", "model #1 (iphone-11)"]),
        BadCase(what: "shared name", json: document([goodModel, refusedModel.replacingOccurrences(of: "\"iPhone 5s\"", with: "\"iphone-11\"")]), fragments: ["model #2 (iphone-5s)", "field name"]),
    ]

    @Test(arguments: badCases)
    func aBadFileIsRefusedNamingFileEntryAndField(_ c: BadCase) {
        do {
            _ = try Catalog(data: Data(c.json.utf8), source: "ops.json")
            Issue.record("\(c.what): loaded")
        } catch let error as CatalogError {
            let text = error.description
            #expect(text.hasPrefix("ops.json"), "\(text)")
            for fragment in c.fragments {
                #expect(text.contains(fragment), "\(c.what): \(text)")
            }
        } catch {
            Issue.record("\(c.what): not a CatalogError: \(error)")
        }
    }

    @Test func anIdentifierTwoModelYearsShareAsksForTheName() throws {
        let later = Self.goodModel.replacingOccurrences(of: "iphone-11", with: "iphone-11-2020")
            .replacingOccurrences(of: "\"iPhone 11\"", with: "\"iPhone 11 (2020)\"").replacingOccurrences(of: "2019", with: "2020")
        let catalog = try Catalog(data: Data(Self.document([Self.goodModel, later]).utf8), source: "ops.json")
        guard case .ambiguous(_, let candidates) = catalog.lookup("iPhone12,1") else {
            Issue.record("a shared identifier found one model")
            return
        }
        #expect(candidates.map(\.id) == ["iphone-11", "iphone-11-2020"])
        #expect(catalog.lookup("iPhone12,1").notFoundMessage?.contains("give the model by its name") == true)
        #expect(catalog.lookup("iPhone 11 (2020)").model?.id == "iphone-11-2020")
    }

    @Test func aMissingFileSaysWhichPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-catalog-\(UUID()).json")
        #expect { try Catalog(contentsOf: path) } throws: {
            ($0 as? CatalogError)?.description == "\(path.path) does not exist; check the path."
        }
        let directory = FileManager.default.temporaryDirectory
        #expect { try StoreList(contentsOf: directory) } throws: {
            ($0 as? StoreListError)?.description.hasSuffix("is a directory, not a file; give the file's path.") == true
        }
    }

    @Test func anOperatorsFileOnDiskLoads() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("catalog.json")
        try Data(("\u{FEFF}" + Self.document([Self.goodModel])).utf8).write(to: file)
        let catalog = try Catalog(contentsOf: file)
        #expect(catalog.source == file.path)
        #expect(catalog.models.map(\.id) == ["iphone-11"])
    }

    /// A file cut short anywhere (a half-written copy, a full disk) is refused with a sentence, never a crash.
    @Test func aTruncatedCatalogIsAlwaysRefused() throws {
        let full = Array(try Data(contentsOf: dataDirectory.appendingPathComponent("catalog.json")))
        var generator = SplitMix64(seed: 2026)
        for _ in 0..<80 {
            let cut = Int(generator.next() % UInt64(full.count - 1))
            #expect(throws: CatalogError.self) { try Catalog(data: Data(full[..<cut]), source: "cut.json") }
        }
    }

    /// Random byte damage either still parses (and validates) or is refused: never a crash or a hang.
    @Test func damagedBytesAreRefusedOrValidated() throws {
        let full = Array(try Data(contentsOf: dataDirectory.appendingPathComponent("catalog.json")))
        var generator = SplitMix64(seed: 11)
        var refused = 0
        for _ in 0..<80 {
            var damaged = full
            for _ in 0..<3 {
                damaged[Int(generator.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            do {
                _ = try Catalog(data: Data(damaged), source: "damaged.json")
            } catch is CatalogError {
                refused += 1
            }
        }
        #expect(refused > 0)
    }

    @Test func deepNestingIsRefusedNotOverflowingTheStack() {
        let deep = String(repeating: "[", count: 100_000)
        #expect { try Catalog(data: Data(deep.utf8), source: "deep.json") } throws: {
            ($0 as? CatalogError)?.description.contains("nested more than 64 levels") == true
        }
    }

    @Test func escapesAndUnicodeInText() throws {
        let model = Self.goodModel.replacingOccurrences(of: "\"iPhone 11\"", with: #""iPhone \u0031\u0031 \"\u0410\ud83d\ude00\"""#)
        let catalog = try Catalog(data: Data(Self.document([model]).utf8), source: "ops.json")
        #expect(catalog.models[0].name == "iPhone 11 \"А😀\"")
    }
}

/// A small deterministic generator for the damage tests (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
