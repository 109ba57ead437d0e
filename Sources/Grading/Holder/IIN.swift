// SPDX-License-Identifier: Apache-2.0

/// A Kazakhstan individual identification number (ИИН / ЖСН): 12 digits whose 7th digit gives century and sex and
/// whose 12th is a control digit over two weight sets modulo 11 (`domain.md` §5).
///
/// Since Government Decree №853 of 26.08.2013 the first six digits need not be the holder's birth date, so
/// ``encodedBirthDate`` is advisory: age is taken from the identity document (``HolderAge``).
public struct IIN: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 12 digits.
    public let digits: String

    public enum Sex: String, Sendable, Hashable, Codable { case male, female }

    /// Checks `text` (surrounding spaces are ignored, nothing else is) and returns the IIN or why it is wrong.
    public static func validate(_ text: String) -> Result<IIN, IINError> {
        let trimmed = text.trimmingASCIIWhitespace()
        if trimmed.isEmpty { return .failure(.empty) }
        let bytes = Array(trimmed.utf8)
        guard bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .failure(.notDigits)
        }
        guard bytes.count == 12 else { return .failure(.wrongLength(bytes.count)) }
        let d = bytes.map { Int($0 - UInt8(ascii: "0")) }
        guard (1...6).contains(d[6]) else { return .failure(.badCenturyDigit(d[6])) }
        switch controlDigit(d) {
        case nil: return .failure(.neverIssued)
        case let expected? where expected != d[11]: return .failure(.checksumMismatch)
        default: return .success(IIN(digits: trimmed))
        }
    }

    /// The control digit for the first 11 of `d`, or `nil` when both weightings give 10 (such a number is never
    /// issued).
    static func controlDigit(_ d: [Int]) -> Int? {
        var first = 0
        var second = 0
        for i in 0..<11 {
            first += d[i] * (i + 1)  // weights 1, 2, ..., 11
            second += d[i] * ((i + 2) % 11 + 1)  // weights 3, 4, ..., 11, 1, 2
        }
        if first % 11 != 10 { return first % 11 }
        return second % 11 == 10 ? nil : second % 11
    }

    private init(digits: String) { self.digits = digits }

    /// A valid IIN of its own for each `number` (an encoded date 1990-01-01 to 1990-01-28, the serial from the
    /// number): synthetic holders for the benchmarks and test fixtures, one per device.
    public static func synthetic(_ number: Int) -> IIN {
        let serial = padded(number % 10_000, 4)
        let day = "9001" + padded(1 + (number / 10_000) % 28, 2)
        for century in ["3", "4", "5", "6"] {
            if let iin = completing(day + century + serial) { return iin }
        }
        return IIN(digits: "900101300007")
    }

    /// The IIN whose first 11 digits are `elevenDigits`, with its control digit; `nil` when they are not 11 digits
    /// with a valid century digit, or when no control digit exists for them (never issued). For synthetic holders
    /// (the benchmarks, test fixtures).
    public static func completing(_ elevenDigits: String) -> IIN? {
        let bytes = Array(elevenDigits.utf8)
        guard bytes.count == 11, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let d = bytes.map { Int($0 - UInt8(ascii: "0")) }
        guard (1...6).contains(d[6]), let control = controlDigit(d) else { return nil }
        return IIN(digits: elevenDigits + String(control))
    }

    /// The first eight digits and four asterisks (`90010130****`), for logs, listings and slips.
    public var masked: String { String(digits.prefix(8)) + "****" }

    public var description: String { masked }

    private var values: [Int] { digits.utf8.map { Int($0 - UInt8(ascii: "0")) } }

    /// The sex the 7th digit encodes (odd: male, even: female).
    public var encodedSex: Sex { values[6] % 2 == 1 ? .male : .female }

    /// The birth date the first six digits encode, when they form a real calendar day (they need not, since 2013).
    public var encodedBirthDate: CivilDate? {
        let v = values
        let century = 1800 + (v[6] - 1) / 2 * 100
        return CivilDate(year: century + v[0] * 10 + v[1], month: v[2] * 10 + v[3], day: v[4] * 10 + v[5])
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        switch IIN.validate(text) {
        case .success(let iin): self = iin
        case .failure(let error): throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// Why a string is not a valid IIN; each `description` is a sentence a consultant can read aloud.
public enum IINError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case notDigits
    case wrongLength(Int)
    case badCenturyDigit(Int)
    case checksumMismatch
    case neverIssued

    public var description: String {
        switch self {
        case .empty:
            return "No IIN was entered: type the 12 digits from the customer's identity document."
        case .notDigits:
            return "An IIN has digits only: retype the 12 digits from the identity document without letters or signs."
        case .wrongLength(let count):
            return "An IIN has 12 digits but \(count) were entered: check the number on the identity document."
        case .badCenturyDigit(let digit):
            return "The 7th digit of an IIN is 1 to 6 but it is \(digit) here: check the number on the identity document."
        case .checksumMismatch:
            return "The IIN's last (control) digit does not match the others, so a digit is mistyped: check the number on the identity document."
        case .neverIssued:
            return "No IIN is ever issued with these first 11 digits, so a digit is mistyped: check the number on the identity document."
        }
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks (no Foundation needed).
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

/// `value` in `width` decimal digits, zero-padded (Grading does without Foundation's formatting).
private func padded(_ value: Int, _ width: Int) -> String {
    let text = value.description
    return String(repeating: "0", count: max(0, width - text.count)) + text
}
