// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// One of the operator's stores that runs the trade-in program.
public struct Store: Sendable, Hashable, Codable {
    /// The store's id (`ALA-DOSTYK-PLAZA`), also the prefix scheme of its certificates.
    public var id: String
    public var city: String
    public var address: String
    /// Two stores take no Apple products (`trade-in-rules.md`).
    public var acceptsApple: Bool

    public init(id: String, city: String, address: String, acceptsApple: Bool) {
        self.id = id
        self.city = city
        self.address = address
        self.acceptsApple = acceptsApple
    }

    enum CodingKeys: String, CodingKey {
        case id, city, address, acceptsApple = "accepts_apple"
    }
}

/// The store list: `data/stores.csv` (columns `id,city,address,accepts_apple`), embedded in the binary.
public struct StoreList: Sendable, Hashable {
    public let stores: [Store]
    /// Where the list came from (a path, or `embedded stores.csv`), for error messages.
    public let source: String
    private let byID: [String: Int]

    /// The embedded `data/stores.csv` (without its final line break), as compiled in by `scripts/embed-data`.
    public static var defaultCSV: String { EmbeddedData.storesCSV }

    /// The list compiled into the program from `data/stores.csv`.
    public static func loadDefault() throws -> StoreList {
        try StoreList(csv: EmbeddedData.storesCSV, source: "embedded stores.csv")
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw StoreListError(source: url.path, line: nil, message: FileReadFailure.sentence(for: url))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StoreListError(source: url.path, line: nil, message: "is not UTF-8 text; save it as UTF-8 CSV.")
        }
        try self.init(csv: text, source: url.path)
    }

    /// Parses and validates CSV text: the header, four fields a row, unique non-empty ids, `true`/`false`.
    public init(csv: String, source: String) throws {
        let rows = try CSV.rows(csv, source: source)
        guard let header = rows.first, header.fields.map({ $0.lowercased() }) == ["id", "city", "address", "accepts_apple"]
        else {
            throw StoreListError(source: source, line: 1, message: "must start with the header id,city,address,accepts_apple.")
        }
        var stores: [Store] = []
        var byID: [String: Int] = [:]
        for row in rows.dropFirst() where !(row.fields.count == 1 && row.fields[0].isEmpty) {
            guard row.fields.count == 4 else {
                throw StoreListError(source: source, line: row.line, message: "has \(row.fields.count) fields; a store row has 4 (id, city, address, accepts_apple).")
            }
            let id = row.fields[0].trimmingASCIIWhitespace()
            guard !id.isEmpty else { throw StoreListError(source: source, line: row.line, message: "has an empty store id.") }
            let accepts: Bool
            switch row.fields[3].trimmingASCIIWhitespace().lowercased() {
            case "true", "yes", "1": accepts = true
            case "false", "no", "0": accepts = false
            default:
                throw StoreListError(source: source, line: row.line, message: "store \(id): accepts_apple must be true or false, not \"\(row.fields[3])\".")
            }
            let key = id.uppercased()
            guard byID[key] == nil else {
                throw StoreListError(source: source, line: row.line, message: "store \(id) is listed twice; keep one row per store.")
            }
            byID[key] = stores.count
            stores.append(Store(id: id, city: row.fields[1], address: row.fields[2], acceptsApple: accepts))
        }
        guard !stores.isEmpty else { throw StoreListError(source: source, line: nil, message: "lists no stores.") }
        self.stores = stores
        self.byID = byID
        self.source = source
    }

    /// The store with this id, case-insensitively.
    public func store(id: String) -> Store? {
        byID[id.trimmingASCIIWhitespace().uppercased()].map { stores[$0] }
    }
}

/// A store list that cannot be used, naming the file and the line.
public struct StoreListError: Error, Sendable, Hashable, CustomStringConvertible {
    public let source: String
    public let line: Int?
    public let message: String

    public var description: String {
        if let line { return "\(source), line \(line): \(message)" }
        return "\(source) \(message)"
    }
}

/// RFC 4180 CSV: fields separated by commas, optionally in double quotes, `""` for a quote inside quotes.
enum CSV {
    struct Row {
        var line: Int
        var fields: [String]
    }

    static func rows(_ text: String, source: String) throws -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var rowLine = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: inQuotes = true
            case ",":
                fields.append(field)
                field = ""
            case "\r": continue
            case "\n":
                fields.append(field)
                rows.append(Row(line: rowLine, fields: fields))
                fields = []
                field = ""
                line += 1
                rowLine = line
            default: field.unicodeScalars.append(c)
            }
        }
        if inQuotes {
            throw StoreListError(source: source, line: rowLine, message: "has a quoted field that never closes; add the missing \".")
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            rows.append(Row(line: rowLine, fields: fields))
        }
        return rows
    }
}
