// SPDX-License-Identifier: Apache-2.0

/// What a catalog lookup found.
public enum CatalogMatch: Sendable, Hashable {
    /// The one model the query names (by identifier, model code, name or alias).
    case found(CatalogModel)
    /// An identifier several models report (a Mac identifier spanning two model years, such as `MacBookPro10,1`
    /// for Mid 2012 and Early 2013): the consultant picks by name.
    case ambiguous(query: String, candidates: [CatalogModel])
    /// No model has that name; `suggestions` are the closest ones ("did you mean"), best first, maybe none.
    case notFound(query: String, suggestions: [CatalogModel])

    public var model: CatalogModel? {
        if case .found(let model) = self { return model }
        return nil
    }

    /// One sentence for a person when no single model was found; `nil` when found.
    public var notFoundMessage: String? {
        switch self {
        case .found:
            return nil
        case .ambiguous(let query, let candidates):
            let names = candidates.map { "\"\($0.displayName)\"" }.joined(separator: ", ")
            return "\"\(query)\" is reported by several models (\(names)): give the model by its name, with the year."
        case .notFound(let query, let suggestions):
            if suggestions.isEmpty {
                return "No model \"\(query)\" is in the catalog: check the name, or list the models with `intake-agent catalog`."
            }
            let names = suggestions.map { "\"\($0.displayName)\"" }
            return "No model \"\(query)\" is in the catalog; did you mean \(names.joined(separator: ", "))?"
        }
    }
}

extension Catalog {
    /// Finds a model by identifier (`iPhone12,1`), model code (`SM-G973F`, also `SM-G973F/DS`), name (`iPhone 11`,
    /// `Samsung Galaxy S10`) or alias, forgiving case, spaces and punctuation; otherwise suggests the closest names.
    public func lookup(_ query: String) -> CatalogMatch {
        let key = CatalogLookup.normalize(query)
        if let match = match(key, query: query) { return match }
        // Android model codes carry suffixes such as `/DS` (dual SIM) or `/DSN`: try the code before the slash.
        if let slash = query.firstIndex(of: "/") {
            let code = CatalogLookup.normalize(String(query[..<slash]))
            if !code.isEmpty, let match = match(code, query: query) { return match }
        }
        return .notFound(query: query, suggestions: suggestions(for: key))
    }

    private func match(_ key: String, query: String) -> CatalogMatch? {
        if let position = index[key] { return .found(models[position]) }
        if let positions = sharedIdentifiers[key] { return .ambiguous(query: query, candidates: positions.map { models[$0] }) }
        return nil
    }

    /// Up to five models whose keys are closest to `key`: starting with or containing it, or within a small edit
    /// distance. Keys are compared as UTF-8 bytes with one reused buffer, so a typo costs tens of microseconds.
    func suggestions(for key: String, limit: Int = 5) -> [CatalogModel] {
        let query = Array(key.utf8)
        guard !query.isEmpty else { return [] }
        let budget = max(2, query.count / 3)
        var best: [Int: Int] = [:]  // model index -> score (lower is better)
        var scratch = [Int](repeating: 0, count: 3 * (query.count + 1))
        for candidate in suggestionKeys {
            let bytes = candidate.bytes
            let score: Int
            if bytes.starts(with: query) || (query.count >= 3 && CatalogLookup.contains(bytes, query)) {
                score = bytes.count - query.count  // "galaxys2" finds "galaxys21", "galaxys22", ...
            } else if abs(bytes.count - query.count) <= budget,
                let distance = CatalogLookup.editDistance(bytes, query, limit: budget, scratch: &scratch)
            {
                score = distance * 4
            } else {
                continue
            }
            if score < best[candidate.position] ?? Int.max { best[candidate.position] = score }
        }
        return best.sorted { lhs, rhs in
            if lhs.value != rhs.value { return lhs.value < rhs.value }
            let a = models[lhs.key], b = models[rhs.key]
            return a.year != b.year ? a.year > b.year : a.id < b.id
        }.prefix(limit).map { models[$0.key] }
    }
}

/// A lookup key as bytes, for suggestions.
struct SuggestionKey: Sendable {
    let bytes: [UInt8]
    let position: Int
}

enum CatalogLookup {
    /// The lookup key: lowercase letters and digits (and commas, which Apple identifiers need: `iPhone12,1`), `+`
    /// spelled `plus` (`Galaxy S10+` is `Galaxy S10 Plus`, not `Galaxy S10`), spaces, hyphens, quotes, dots and
    /// brackets dropped.
    static func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39, 0x61...0x7A, 0x2C: out.append(scalar)
            case 0x41...0x5A: out.append(Unicode.Scalar(scalar.value + 0x20)!)
            case 0x2B: out.append(contentsOf: "plus".unicodeScalars)
            default:
                if scalar.properties.isAlphabetic {
                    out.append(contentsOf: String(scalar).lowercased().unicodeScalars)
                }
            }
        }
        return String(out)
    }

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
        }
        return false
    }

    /// Edit distance between `a` and `b` counting an adjacent transposition as one edit (optimal string alignment:
    /// `SM-G937F` is one edit from `SM-G973F`), or `nil` once it exceeds `limit`; `scratch` holds three rows of
    /// `b.count + 1` and is reused between calls.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int, scratch: inout [Int]) -> Int? {
        if abs(a.count - b.count) > limit { return nil }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) <= limit ? max(a.count, b.count) : nil }
        let width = b.count + 1
        if scratch.count < 3 * width { scratch = [Int](repeating: 0, count: 3 * width) }
        return scratch.withUnsafeMutableBufferPointer { rows -> Int? in
            var beforePrevious = 2 * width
            var previous = 0
            var current = width
            for j in 0...b.count { rows[previous + j] = j }
            for i in 1...a.count {
                rows[current] = i
                var rowMinimum = i
                for j in 1...b.count {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    var value = min(rows[previous + j - 1] + cost, rows[previous + j] + 1, rows[current + j - 1] + 1)
                    if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                        value = min(value, rows[beforePrevious + j - 2] + 1)
                    }
                    rows[current + j] = value
                    rowMinimum = min(rowMinimum, value)
                }
                if rowMinimum > limit { return nil }
                (beforePrevious, previous, current) = (previous, current, beforePrevious)
            }
            let distance = rows[previous + b.count]
            return distance <= limit ? distance : nil
        }
    }
}
