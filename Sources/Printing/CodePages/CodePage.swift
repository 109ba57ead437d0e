// SPDX-License-Identifier: Apache-2.0

/// A receipt printer's single-byte character table and how to select it (`domain.md` §6).
///
/// Text is encoded one Unicode scalar at a time: ASCII as is, a letter the page has as its byte, and anything else
/// through ``transliterate(_:)``'s fallback (Kazakh letters to their nearest Russian ones, typographic marks to ASCII,
/// `₸` to `KZT`), finally `?`. No page a receipt printer has carries `₸`.
public enum CodePage: String, Sendable, Hashable, CaseIterable, Codable {
    /// RK1048 (KZ-1048): Russian and every Kazakh letter. Epson TM-T20II/T88V/T70II/m30III/L90: `ESC t 53`.
    case rk1048
    /// CP866: Russian only (none of ӘҒҚҢӨҰҮҺІ). Epson: `ESC t 17`; cheap 58 mm clones (POS-5890) use 59.
    case cp866

    /// The `n` of `ESC t n` on Epson-compatible printers.
    public var epsonSelector: UInt8 {
        switch self {
        case .rk1048: 53
        case .cp866: 17
        }
    }

    /// Encodes `text` for this page; letters it lacks are transliterated, never dropped silently.
    public func encode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            append(scalar, to: &bytes)
        }
        return bytes
    }

    /// Whether every scalar of `text` has its own byte on this page (no fallback needed).
    public func canEncodeExactly(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { byte(for: $0) != nil }
    }

    private func append(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
        if let byte = byte(for: scalar) {
            bytes.append(byte)
            return
        }
        guard let fallback = CodePage.transliterate(scalar) else {
            bytes.append(UInt8(ascii: "?"))
            return
        }
        for replacement in fallback.unicodeScalars {
            // The fallbacks are Russian letters or ASCII, which every page here has.
            bytes.append(byte(for: replacement) ?? UInt8(ascii: "?"))
        }
    }

    /// The byte for `scalar`, or `nil` when the page lacks it. Control characters other than line feed are refused
    /// so that no text can smuggle printer commands into a slip.
    func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 0x20 && value != 0x7F) || value == 0x0A ? UInt8(value) : nil
        }
        guard value <= 0xFFFF else { return nil }
        return reverseTable[UInt16(value)]
    }

    private var reverseTable: [UInt16: UInt8] {
        switch self {
        case .rk1048: CodePage.rk1048Reverse
        case .cp866: CodePage.cp866Reverse
        }
    }

    /// The Unicode scalar a byte stands for, or `nil` for an undefined byte or a control character.
    public func decode(_ byte: UInt8) -> Unicode.Scalar? {
        if byte < 0x80 { return (byte >= 0x20 && byte != 0x7F) || byte == 0x0A ? Unicode.Scalar(byte) : nil }
        let table = self == .rk1048 ? CodePage.rk1048Upper : CodePage.cp866Upper
        let value = table[Int(byte) - 0x80]
        return value == 0 ? nil : Unicode.Scalar(value)
    }

    private static let rk1048Reverse = reverse(rk1048Upper)
    private static let cp866Reverse = reverse(cp866Upper)

    private static func reverse(_ table: [UInt16]) -> [UInt16: UInt8] {
        var map: [UInt16: UInt8] = [:]
        for (offset, scalar) in table.enumerated() where scalar != 0 {
            map[scalar] = UInt8(0x80 + offset)
        }
        return map
    }

    // MARK: - Fallback

    /// What to print for a scalar a page lacks: the nearest Russian letter for a Kazakh one (as Kazakh was written
    /// on Russian typewriters), ASCII for typographic marks, `KZT` for `₸`; `nil` when there is no sensible stand-in.
    public static func transliterate(_ scalar: Unicode.Scalar) -> String? {
        fallbacks[scalar]
    }

    private static let fallbacks: [Unicode.Scalar: String] = [
        // Kazakh letters → Russian (CP866 has none of them).
        "Ә": "А", "ә": "а", "Ғ": "Г", "ғ": "г", "Қ": "К", "қ": "к", "Ң": "Н", "ң": "н",
        "Ө": "О", "ө": "о", "Ұ": "У", "ұ": "у", "Ү": "У", "ү": "у", "Һ": "Х", "һ": "х",
        "І": "I", "і": "i",
        // Ukrainian and Belarusian letters some names carry.
        "Є": "Е", "є": "е", "Ї": "I", "ї": "i", "Ў": "У", "ў": "у", "Ґ": "Г", "ґ": "г",
        // Typography.
        "\u{00A0}": " ", "\u{202F}": " ", "\u{2009}": " ", "\u{2007}": " ",
        "\u{2010}": "-", "\u{2011}": "-", "\u{2012}": "-", "\u{2013}": "-", "\u{2014}": "-", "\u{2212}": "-",
        "\u{2018}": "'", "\u{2019}": "'", "\u{201A}": "'", "\u{201C}": "\"", "\u{201D}": "\"", "\u{201E}": "\"",
        "«": "\"", "»": "\"", "\u{2026}": "...", "\u{2022}": "*", "\u{00B7}": ".",
        "₸": "KZT", "\u{2116}": "N", "\u{00AD}": "",
    ]
}
