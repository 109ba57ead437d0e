// SPDX-License-Identifier: Apache-2.0

/// What a catalog lookup found.
public enum CatalogMatch: Sendable, Hashable {
    /// The one model the query names (by identifier, model code, name or alias).
    case found(CatalogModel)
    /// No model has that name; `suggestions` are the closest ones ("did you mean"), best first, maybe none.
    case notFound(query: String, suggestions: [CatalogModel])

    public var model: CatalogModel? {
        if case .found(let model) = self { return model }
        return nil
    }

    /// One sentence for a person when nothing was found; `nil` when found.
    public var notFoundMessage: String? {
        guard case .notFound(let query, let suggestions) = self else { return nil }
        if suggestions.isEmpty {
            return "No model \"\(query)\" is in the catalog: check the name, or list the models with `intake-agent catalog`."
        }
        let names = suggestions.map { "\"\($0.displayName)\"" }
        return "No model \"\(query)\" is in the catalog; did you mean \(names.joined(separator: ", "))?"
    }
}

extension Catalog {
    /// Finds a model by identifier (`iPhone12,1`), model code (`SM-G973F`, also `SM-G973F/DS`), name (`iPhone 11`,
    /// `Samsung Galaxy S10`) or alias, forgiving case, spaces and punctuation; otherwise suggests the closest names.
    public func lookup(_ query: String) -> CatalogMatch {
        let key = CatalogLookup.normalize(query)
        if let position = index[key] { return .found(models[position]) }
        // Android model codes carry suffixes such as `/DS` (dual SIM) or `/DSN`: try the code before the slash.
        if let slash = query.firstIndex(of: "/") {
            let code = CatalogLookup.normalize(String(query[..<slash]))
            if !code.isEmpty, let position = index[code] { return .found(models[position]) }
        }
        return .notFound(query: query, suggestions: suggestions(for: key))
    }

    /// Up to five models whose keys are closest to `key`: containing it, or within a small edit distance.
    func suggestions(for key: String, limit: Int = 5) -> [CatalogModel] {
        guard !key.isEmpty else { return [] }
        let query = Array(key.unicodeScalars)
        let budget = max(2, query.count / 3)
        var best: [Int: Int] = [:]  // model index -> score (lower is better)
        for (candidate, position) in index {
            let score: Int
            if candidate.hasPrefix(key) || (key.count >= 3 && candidate.contains(key)) {
                score = candidate.count - key.count  // "galaxys2" finds "galaxys21", "galaxys22", ...
            } else if let distance = CatalogLookup.editDistance(query, Array(candidate.unicodeScalars), limit: budget) {
                score = distance * 4
            } else {
                continue
            }
            if score < best[position] ?? Int.max { best[position] = score }
        }
        return best.sorted { lhs, rhs in
            if lhs.value != rhs.value { return lhs.value < rhs.value }
            let a = models[lhs.key], b = models[rhs.key]
            return a.year != b.year ? a.year > b.year : a.id < b.id
        }.prefix(limit).map { models[$0.key] }
    }
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

    /// Levenshtein distance, or `nil` once it exceeds `limit` (a banded computation, cheap for short keys).
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int? {
        if abs(a.count - b.count) > limit { return nil }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }
}
