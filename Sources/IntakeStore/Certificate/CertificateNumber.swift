// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Grading

/// A certificate's human-friendly number, `ALA-2611-7KA2B3-X`: the store's city prefix, the issue month (`YYMM`),
/// the station code (two characters) and the station's sequence in that month (four characters), and a check
/// character.
///
/// The station and sequence characters and the check character come from ``alphabet``: 31 characters, without 0,
/// O, 1, I (misread as each other) and Z (misread as 2). Two stations never collide as long as their station codes
/// differ: a station's code defaults to one derived from its key id and can be assigned by the chain; the sequence
/// is allocated inside the issuing transaction, so one station never repeats a number.
///
/// The check character is `Σ wᵢ·vᵢ mod 31` over the 13 characters other than dashes and the check itself, written
/// as ``alphabet``[sum], with weights wᵢ = i + 1 and values vᵢ: A–Z → 0–25 in the prefix, the digit in the date,
/// the ``alphabet`` index in the station and sequence part. Within each part the values differ by less than 31,
/// and 31 is prime, so every single mistyped character and every swap of two neighbours in a part is caught.
public struct CertificateNumber: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The 31 characters of station codes, sequences and check characters.
    public static let alphabet: [Character] = Array("23456789ABCDEFGHJKLMNPQRSTUVWXY")
    private static let letters: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    private static let base = alphabet.count
    /// Numbers one station can issue in one month per store prefix.
    public static let sequenceCapacity = base * base * base * base

    /// The number as printed, upper case with dashes.
    public let rawValue: String

    /// Parses a typed or scanned number: case and surrounding spaces are forgiven, the check character is not.
    public init?(_ text: String) {
        let upper = text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        let parts = upper.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4,
            parts[0].count == 3, parts[0].allSatisfy({ $0.isASCII && $0.isLetter }),
            parts[1].count == 4, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
            let month = Int(parts[1].suffix(2)), (1...12).contains(month),
            parts[2].count == 6, parts[2].allSatisfy(CertificateNumber.alphabet.contains),
            parts[3].count == 1, let check = parts[3].first,
            CertificateNumber.checkCharacter(for: parts[0] + parts[1] + parts[2]) == check
        else { return nil }
        rawValue = upper
    }

    /// The number for `sequence` (0..<``sequenceCapacity``) at `station` in `storeID`'s city, issued on `day`.
    public init(storeID: String, issuedOn day: CivilDate, station: StationCode, sequence: Int) {
        precondition((0..<CertificateNumber.sequenceCapacity).contains(sequence), "sequence out of range")
        let prefix = CertificateNumber.prefix(storeID: storeID)
        let month = String(format: "%02d%02d", day.year % 100, day.month)
        var serial = ""
        var rest = sequence
        for _ in 0..<4 {
            serial.insert(CertificateNumber.alphabet[rest % Self.base], at: serial.startIndex)
            rest /= Self.base
        }
        let body = prefix + month + station.rawValue + serial
        rawValue = "\(prefix)-\(month)-\(station.rawValue)\(serial)-\(CertificateNumber.checkCharacter(for: body))"
    }

    /// The three-letter city prefix of a store id (`ALA-DOSTYK-PLAZA` → `ALA`); `XXX` for an id that has none.
    public static func prefix(storeID: String) -> String {
        let letters = storeID.uppercased().prefix { $0 != "-" }.filter { $0.isASCII && $0.isLetter }
        return letters.count >= 3 ? String(letters.prefix(3)) : "XXX"
    }

    /// The `PREFIX-YYMM-SS` part numbers from one station in one month share; the registry's sequence counter key.
    public var sequenceScope: String { String(rawValue.prefix(11)) }

    /// The code of the station that issued the number (the two characters after the month).
    public var station: StationCode {
        let part = rawValue.split(separator: "-")[2]
        return StationCode(String(part.prefix(2)))!
    }

    /// The check character of the 13 characters prefix + month + station + sequence.
    static func checkCharacter(for body: String) -> Character {
        var sum = 0
        for (index, character) in body.enumerated() {
            let value: Int
            switch index {
            case 0..<3: value = letters.firstIndex(of: character) ?? 0
            case 3..<7: value = character.wholeNumberValue ?? 0
            default: value = alphabet.firstIndex(of: character) ?? 0
            }
            sum += (index + 1) * value
        }
        return alphabet[sum % base]
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let number = CertificateNumber(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not a certificate number (check character wrong?).")
        }
        self = number
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Two characters of ``CertificateNumber/alphabet`` that tell one station's numbers from another's.
public struct StationCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    /// `nil` unless `text` is two characters of the alphabet (case forgiven).
    public init?(_ text: String) {
        let upper = text.uppercased()
        guard upper.count == 2, upper.allSatisfy(CertificateNumber.alphabet.contains) else { return nil }
        rawValue = upper
    }

    /// The default code of a station: the key id's first two bytes modulo 31².
    public init(keyID: KeyID) {
        let base = CertificateNumber.alphabet.count
        let value = (Int(keyID.bytes[0]) << 8 | Int(keyID.bytes[1])) % (base * base)
        rawValue = String([CertificateNumber.alphabet[value / base], CertificateNumber.alphabet[value % base]])
    }

    public var description: String { rawValue }
}
