// SPDX-License-Identifier: Apache-2.0

extension Catalog {
    /// Reads format 1 from parsed JSON, checking every field.
    init(root: JSONValue, source: String) throws {
        guard case .object(let top) = root else {
            throw CatalogError(source: source, message: "must hold one JSON object with \"format\", \"catalog_version\" and \"models\".")
        }
        let file = CatalogValidator.Fields(top, source: source, entry: nil, prefix: "")
        try file.rejectUnknown(["format", "catalog_version", "currency", "prices_are_sample_figures", "note", "models"])
        let format = try file.integer("format")
        guard format == 1 else {
            throw CatalogError(source: source, field: "format", message: "is \(format), but this program reads catalog format 1.")
        }
        let currency = try file.string("currency")
        guard currency == "KZT" else {
            throw CatalogError(source: source, field: "currency", message: "is \"\(currency)\"; prices are whole tenge, so it must be \"KZT\".")
        }
        let version = try file.string("catalog_version")
        let sample = try file.optionalBool("prices_are_sample_figures") ?? false
        _ = try file.optionalString("note")
        guard case .array(let entries)? = top["models"] else {
            throw CatalogError(source: source, field: "models", message: "must be a list of models.")
        }
        var models: [CatalogModel] = []
        models.reserveCapacity(entries.count)
        for (number, entry) in entries.enumerated() {
            models.append(try CatalogValidator.model(entry, number: number + 1, source: source))
        }
        try self.init(models: models, version: version, pricesAreSampleFigures: sample, source: source)
    }
}

enum CatalogValidator {
    static let knownFields: Set<String> = [
        "id", "family", "brand", "name", "year", "identifiers", "aliases", "prices", "refusal",
    ]

    /// Typed access to one object's members, with errors naming the entry and the field.
    struct Fields {
        let members: [String: JSONValue]
        let source: String
        let entry: String?
        let prefix: String

        init(_ members: [String: JSONValue], source: String, entry: String?, prefix: String) {
            self.members = members
            self.source = source
            self.entry = entry
            self.prefix = prefix
        }

        func fail(_ field: String, _ message: String) -> CatalogError {
            CatalogError(source: source, entry: entry, field: prefix + field, message: message)
        }

        func rejectUnknown(_ known: Set<String>) throws {
            if let unknown = members.keys.filter({ !known.contains($0) }).sorted().first {
                throw fail(unknown, "is not a catalog field (known: \(known.sorted().joined(separator: ", "))); check its spelling.")
            }
        }

        func string(_ key: String) throws -> String {
            guard let value = members[key] else { throw fail(key, "is missing.") }
            guard case .string(let text) = value else { throw fail(key, "must be text in double quotes, not \(value.kind).") }
            guard !text.trimmingASCIIWhitespace().isEmpty else { throw fail(key, "is empty.") }
            return text
        }

        func optionalString(_ key: String) throws -> String? {
            guard let value = members[key], value != .null else { return nil }
            return try string(key)
        }

        func integer(_ key: String) throws -> Int {
            guard let value = members[key] else { throw fail(key, "is missing.") }
            guard case .integer(let number) = value else { throw fail(key, "must be a whole number, not \(value.kind).") }
            return number
        }

        func optionalBool(_ key: String) throws -> Bool? {
            guard let value = members[key], value != .null else { return nil }
            guard case .bool(let flag) = value else { throw fail(key, "must be true or false, not \(value.kind).") }
            return flag
        }

        func strings(_ key: String, required: Bool) throws -> [String] {
            guard let value = members[key], value != .null else {
                if required { throw fail(key, "is missing.") }
                return []
            }
            guard case .array(let items) = value else { throw fail(key, "must be a list of texts, not \(value.kind).") }
            return try items.enumerated().map { position, item in
                guard case .string(let text) = item, !text.trimmingASCIIWhitespace().isEmpty else {
                    throw fail("\(key)[\(position)]", "must be non-empty text, not \(item.kind).")
                }
                return text
            }
        }
    }

    static func model(_ value: JSONValue, number: Int, source: String) throws -> CatalogModel {
        guard case .object(let members) = value else {
            throw CatalogError(source: source, entry: "model #\(number)", message: "must be an object, not \(value.kind).")
        }
        var entry = "model #\(number)"
        if case .string(let id)? = members["id"] { entry += " (\(id))" }
        let fields = Fields(members, source: source, entry: entry, prefix: "")
        try fields.rejectUnknown(knownFields)
        let id = try fields.string("id")
        guard id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw fields.fail("id", "must use lowercase letters, digits and '-' only, not \"\(id)\".")
        }
        let familyText = try fields.string("family")
        guard let family = DeviceFamily(rawValue: familyText) else {
            throw fields.fail("family", "is \"\(familyText)\"; it must be one of \(DeviceFamily.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let brand = try fields.string("brand")
        if family.isApple != (brand == "Apple") {
            throw fields.fail(
                "brand", family.isApple
                    ? "is \"\(brand)\", but the family \(familyText) is Apple's."
                    : "is Apple, but the family \(familyText) is not; use iphone, ipad, watch, airpods or macbook.")
        }
        let name = try fields.string("name")
        let year = try fields.integer("year")
        guard (2000...2100).contains(year) else { throw fields.fail("year", "is \(year); write the year the model came out.") }
        let identifiers = try fields.strings("identifiers", required: true)
        guard !identifiers.isEmpty else {
            throw fields.fail("identifiers", "is empty; list the product types or model codes the device reports.")
        }
        let aliases = try fields.strings("aliases", required: false)

        var refusal: CatalogRefusal? = nil
        if let value = members["refusal"], value != .null {
            guard case .object(let refusalMembers) = value else {
                throw fields.fail("refusal", "must be an object with a \"reason\", not \(value.kind).")
            }
            let refusalFields = Fields(refusalMembers, source: source, entry: entry, prefix: "refusal.")
            try refusalFields.rejectUnknown(["reason", "unless_setting"])
            refusal = CatalogRefusal(
                reason: try refusalFields.string("reason"), unlessSetting: try refusalFields.optionalString("unless_setting"))
        }

        var prices: [StoragePrice] = []
        if let value = members["prices"], value != .null {
            guard case .array(let items) = value else { throw fields.fail("prices", "must be a list, not \(value.kind).") }
            for (position, item) in items.enumerated() {
                guard case .object(let priceMembers) = item else {
                    throw fields.fail("prices[\(position)]", "must be an object with \"market_price\", not \(item.kind).")
                }
                let priceFields = Fields(priceMembers, source: source, entry: entry, prefix: "prices[\(position)].")
                try priceFields.rejectUnknown(["storage_gb", "market_price"])
                var storage: Int? = nil
                if let gb = priceMembers["storage_gb"], gb != .null {
                    storage = try priceFields.integer("storage_gb")
                    guard let storage, StoragePrice.storageRange.contains(storage) else {
                        throw priceFields.fail("storage_gb", "must be a size in GB from 1 to \(StoragePrice.storageRange.upperBound).")
                    }
                }
                let price = try priceFields.integer("market_price")
                guard StoragePrice.marketPriceRange.contains(price) else {
                    throw priceFields.fail("market_price", StoragePrice.marketPriceProblem(price))
                }
                guard !prices.contains(where: { $0.storageGB == storage }) else {
                    throw priceFields.fail("storage_gb", "lists \(storage.map { "\($0) GB" } ?? "the single size") twice; keep one price per size.")
                }
                if storage == nil && items.count > 1 {
                    throw priceFields.fail("storage_gb", "is missing; a model with several prices needs a size on each.")
                }
                prices.append(StoragePrice(storageGB: storage, marketPrice: Tenge(price)))
            }
        }
        if refusal == nil && prices.isEmpty {
            throw fields.fail("prices", "is missing or empty; an accepted model needs at least one market price.")
        }
        if refusal?.unlessSetting != nil && prices.isEmpty {
            throw fields.fail("prices", "is missing; a model a setting can accept needs its market prices.")
        }
        return CatalogModel(
            id: id, family: family, brand: brand, name: name, year: year, identifiers: identifiers, aliases: aliases,
            prices: prices, refusal: refusal)
    }

    /// The lookup index; fails on a duplicate id, or on a name or alias two models share, or on an identifier two
    /// models of the same year share. An identifier models of different years share (Apple reused `MacBookPro10,1`
    /// for Mid 2012 and Early 2013) goes to the second map: looking it up asks for the name.
    static func index(_ models: [CatalogModel], source: String) throws -> (unique: [String: Int], shared: [String: [Int]]) {
        var index: [String: Int] = [:]
        var identifierOwners: [String: [Int]] = [:]
        var ids: [String: Int] = [:]
        for (position, model) in models.enumerated() {
            let entry = "model #\(position + 1) (\(model.id))"
            for (slot, price) in model.prices.enumerated() {
                if !StoragePrice.marketPriceRange.contains(price.marketPrice.amount) {
                    throw CatalogError(
                        source: source, entry: entry, field: "prices[\(slot)].market_price",
                        message: StoragePrice.marketPriceProblem(price.marketPrice.amount))
                }
                if let gb = price.storageGB, !StoragePrice.storageRange.contains(gb) {
                    throw CatalogError(
                        source: source, entry: entry, field: "prices[\(slot)].storage_gb",
                        message: "must be a size in GB from 1 to \(StoragePrice.storageRange.upperBound).")
                }
            }
            if let other = ids.updateValue(position, forKey: model.id) {
                throw CatalogError(source: source, entry: entry, field: "id", message: "is already used by model #\(other + 1); ids must be unique.")
            }
            for identifier in model.identifiers {
                let key = try key(identifier, entry: entry, field: "identifiers", source: source)
                if let other = identifierOwners[key]?.first(where: { models[$0].year == model.year && $0 != position }) {
                    throw CatalogError(
                        source: source, entry: entry, field: "identifiers",
                        message: "\"\(identifier)\" is also used by model #\(other + 1) (\(models[other].id)) of the same year; a lookup must find one model.")
                }
                if identifierOwners[key]?.contains(position) != true { identifierOwners[key, default: []].append(position) }
            }
        }
        for (key, owners) in identifierOwners where owners.count == 1 { index[key] = owners[0] }
        for (position, model) in models.enumerated() {
            let entry = "model #\(position + 1) (\(model.id))"
            for (field, text) in [("name", model.name)] + model.aliases.map({ ("aliases", $0) }) {
                let key = try key(text, entry: entry, field: field, source: source)
                let other = index[key] ?? identifierOwners[key]?.first
                if let other, other != position {
                    throw CatalogError(
                        source: source, entry: entry, field: field,
                        message: "\"\(text)\" is also used by model #\(other + 1) (\(models[other].id)); a lookup must find one model.")
                }
                index[key] = position
            }
        }
        // The brand-prefixed name (`Samsung Galaxy S10`) finds the model too, unless another model claims it.
        for (position, model) in models.enumerated() {
            let key = CatalogLookup.normalize(model.brand + " " + model.name)
            if index[key] == nil && identifierOwners[key] == nil { index[key] = position }
        }
        return (index, identifierOwners.filter { $0.value.count > 1 })
    }

    private static func key(_ text: String, entry: String, field: String, source: String) throws -> String {
        let key = CatalogLookup.normalize(text)
        guard !key.isEmpty else {
            throw CatalogError(source: source, entry: entry, field: field, message: "\"\(text)\" has no letters or digits.")
        }
        return key
    }
}
