// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The characters a scanner, a copy from a web page or a careful typist puts around an identifier without meaning
/// anything: spaces (any kind), dashes (any kind) and invisible format characters (zero-width space, BOM, soft
/// hyphen, direction marks).
enum Separators {
    static func isIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return properties.isWhitespace || properties.isDash || properties.isDefaultIgnorableCodePoint
            || properties.generalCategory == .format
    }

    /// A C0 or C1 control character that is not whitespace (NUL, ESC, DEL, ...).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control && !scalar.properties.isWhitespace
    }
}

extension IMEI {
    /// Why typed or read text is not an IMEI; each a sentence naming the IMEI and what to do.
    public enum Malformed: Error, Sendable, Hashable, CustomStringConvertible {
        case empty
        case notADigit(String)
        case length(digits: String)
        case checkDigit(String)

        public var description: String {
            switch self {
            case .empty:
                return "An IMEI is empty: type its 15 digits from *#06# or the SIM tray, or leave the IMEI out."
            case .notADigit(let shown):
                return "The IMEI \"\(shown)\" holds a character that is not a digit: type its 15 digits from *#06# or the SIM tray."
            case .length(let digits):
                return "The IMEI \(digits) has \(digits.count) digit\(digits.count == 1 ? "" : "s"), not 15: retype it from *#06# or the SIM tray."
            case .checkDigit(let digits):
                return "The IMEI \(digits) fails its check digit (Luhn), so a digit is mistyped: retype it from *#06# or the SIM tray."
            }
        }
    }

    /// The IMEI in `text` as its 15 digits: compatibility forms folded (NFKC turns full-width digits into ASCII),
    /// spaces, dashes and invisible characters dropped; anything else that is not a digit, a length other than
    /// 15 or a wrong Luhn check digit is refused, never dropped.
    public static func normalize(_ text: String) -> Result<String, Malformed> {
        let folded = text.precomposedStringWithCompatibilityMapping
        var digits = ""
        for scalar in folded.unicodeScalars where !Separators.isIgnorable(scalar) {
            guard scalar.isASCII, ("0"..."9").contains(Character(scalar)) else {
                return .failure(.notADigit(TextInput.shown(text)))
            }
            digits.unicodeScalars.append(scalar)
        }
        if digits.isEmpty { return .failure(.empty) }
        guard digits.count == 15 else { return .failure(.length(digits: digits)) }
        guard isValid(digits) else { return .failure(.checkDigit(digits)) }
        return .success(digits)
    }
}

/// Serial numbers as one phone has one: the key a registry compares.
public enum SerialNumber {
    /// `text` in the one spelling the registry compares: NFKC, case-folded (and then upper-cased, the way Apple and
    /// Android print serials), with spaces, dashes and invisible characters removed; `nil` when nothing is left.
    /// `dx3v-k1ab n70f`, `DX3VK1ABN70F` and `ＤＸ３ＶＫ１ＡＢＮ７０Ｆ` are one serial.
    public static func normalize(_ text: String?) -> String? {
        guard let text else { return nil }
        let folded = text.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive], locale: nil)
            .uppercased()
        var out = ""
        for scalar in folded.unicodeScalars where !Separators.isIgnorable(scalar) && !Separators.isControl(scalar) {
            out.unicodeScalars.append(scalar)
        }
        return out.isEmpty ? nil : out
    }
}

/// Free text typed by a consultant (names, reasons, identifiers): refused when it holds a control character.
/// A NUL cut the stored name short and the certificate then read as forged; an escape sequence would reach the
/// consultant's terminal and the printer.
public enum TextInput {
    /// The sentence refusing `text` as `field` ("holder's name"), or `nil` when it may be stored.
    public static func problem(_ text: String, field: String) -> String? {
        guard let bad = text.unicodeScalars.first(where: isForbidden) else { return nil }
        let code = "U+" + String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4)
        return "The \(field) holds a control character (\(code)): retype it without it."
    }

    /// `text` with control characters shown as `?`, for quoting bad input in a sentence.
    public static func shown(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { isForbidden($0) ? "?" : $0 }))
    }

    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
