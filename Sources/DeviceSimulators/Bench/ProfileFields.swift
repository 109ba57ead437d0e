// SPDX-License-Identifier: Apache-2.0
//
// Reading a profile file's JSON with the path of every field, so a mistake is refused naming it.

/// Any JSON value, decoded without Foundation's number/boolean ambiguity (JSONDecoder tells `true` from `1`).
enum ProfileJSON: Decodable, Sendable {
    case null, bool(Bool), integer(Int), number(Double), string(String), array([ProfileJSON]), object([String: ProfileJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ProfileJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ProfileJSON].self))
        }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .integer(let i): "\(i)"
        case .number(let n): "\(n)"
        case .string(let s): "\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array: "a list"
        case .object: "an object"
        }
    }
}

/// One JSON object of a profile file, at `path` (`battery`), whose fields are read with their full names.
struct ProfileFields {
    let file: String
    let path: String
    let values: [String: ProfileJSON]

    init(file: String, path: String, value: ProfileJSON) throws(SimulatorProfileError) {
        guard case .object(let values) = value else {
            throw SimulatorProfileError(file: file, field: path, expected: "a JSON object, found \(value.kind)")
        }
        self.file = file
        self.path = path
        self.values = values
    }

    var keys: [String] { values.keys.sorted() }
    func has(_ key: String) -> Bool { values[key] != nil }
    func isNull(_ key: String) -> Bool { if case .null = values[key] { true } else { false } }
    func field(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func error(_ key: String, _ expected: String) -> SimulatorProfileError {
        SimulatorProfileError(file: file, field: field(key), expected: expected + (values[key].map { ", found \($0.kind)" } ?? ""))
    }

    func missing(_ key: String, _ expected: String) -> SimulatorProfileError {
        SimulatorProfileError(file: file, field: field(key), expected: expected + " (the field is missing)")
    }

    /// Refuses a field this object does not have (a typo would otherwise be silently ignored).
    func only(_ allowed: [String]) throws(SimulatorProfileError) {
        if let unknown = keys.first(where: { !allowed.contains($0) }) {
            throw SimulatorProfileError(file: file, field: field(unknown), expected: "no such field: one of \(allowed.joined(separator: ", "))")
        }
    }

    func require(_ required: [String]) throws(SimulatorProfileError) {
        if let absent = required.first(where: { values[$0] == nil }) {
            throw missing(absent, "a value (profiles without a base give it)")
        }
    }

    func string(_ key: String) throws(SimulatorProfileError) -> String? {
        guard let value = values[key] else { return nil }
        guard case .string(let s) = value else { throw error(key, "text in quotes") }
        return s
    }

    func bool(_ key: String) throws(SimulatorProfileError) -> Bool? {
        guard let value = values[key] else { return nil }
        guard case .bool(let b) = value else { throw error(key, "true or false") }
        return b
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(SimulatorProfileError) -> Int? {
        guard let value = values[key] else { return nil }
        guard case .integer(let i) = value, range.contains(i) else {
            let bounds = range.upperBound == Int.max ? "\(range.lowerBound) or more" : "\(range.lowerBound) to \(range.upperBound)"
            throw error(key, "a whole number from \(bounds)")
        }
        return i
    }

    func choice(_ key: String, _ options: [String]) throws(SimulatorProfileError) -> String? {
        guard let value = values[key] else { return nil }
        guard case .string(let s) = value, options.contains(s) else {
            throw error(key, "one of " + options.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return s
    }

    func object(_ key: String) throws(SimulatorProfileError) -> ProfileFields? {
        guard let value = values[key] else { return nil }
        return try ProfileFields(file: file, path: field(key), value: value)
    }

    func array(_ key: String) throws(SimulatorProfileError) -> [ProfileJSON]? {
        guard let value = values[key] else { return nil }
        guard case .array(let items) = value else { throw error(key, "a list in brackets") }
        return items
    }

    func element(_ key: String, _ index: Int, _ value: ProfileJSON) throws(SimulatorProfileError) -> ProfileFields {
        try ProfileFields(file: file, path: field(key) + "[\(index)]", value: value)
    }

    func strings(_ key: String) throws(SimulatorProfileError) -> [String]? {
        guard let items = try array(key) else { return nil }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                throw SimulatorProfileError(file: file, field: field(key) + "[\(i)]", expected: "text in quotes, found \(item.kind)")
            }
            out.append(s)
        }
        return out
    }

    func stringMap(_ key: String) throws(SimulatorProfileError) -> [String: String]? {
        guard let object = try object(key) else { return nil }
        var out: [String: String] = [:]
        for name in object.keys { out[name] = try object.string(name) }
        return out
    }

    /// `imei`: one IMEI of 15 digits per slot.
    func imeis() throws(SimulatorProfileError) -> [String]? {
        guard let imeis = try strings("imei") else { return nil }
        for (i, imei) in imeis.enumerated() where imei.count != 15 || !imei.allSatisfy(\.isASCIIDigitCharacter) {
            throw SimulatorProfileError(file: file, field: field("imei") + "[\(i)]", expected: "an IMEI of 15 digits, found \"\(imei)\"")
        }
        return imeis
    }

    /// The profile's `name`: how `simulate ctl` names the device.
    func name() throws(SimulatorProfileError) -> String {
        guard let name = try string("name") else { throw missing("name", "the device's name for `simulate ctl`, such as my-iphone") }
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw error("name", "a name of letters, digits, dots, dashes and underscores")
        }
        return name
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
