// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Grading

/// A certificate's human-friendly number, `ALA-2611-7KA2B3-X`: the store's city prefix, the issue month (`YYMM`),
/// the station code (two characters) and the station's sequence in that month (four characters), and a check
/// character.
///
/// The station and sequence characters and the check character come from ``alphabet`` (32 characters, no 0, O, 1
/// or I, so nobody misreads them). Two stations never collide as long as their station codes differ: a station's
/// code defaults to the first ten bits of its key id and can be assigned by the chain (``RegistryOptions``); the
/// sequence is allocated inside the issuing transaction, so one station never repeats a number.
///
/// The check character is `Σ wᵢ·vᵢ mod 31` over every character but the dashes (vᵢ its index in `0-9A-Z`,
/// wᵢ = i + 1), written as ``alphabet``[sum]. With a prime modulus and distinct weights it catches every single
/// mistyped character and every swap of two neighbours, except between characters whose values differ by exactly 31
/// (`0`/`V`, `1`/`W`, `2`/`X`, `3`/`Y`, `4`/`Z`).
public struct CertificateNumber: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The 32 characters of station codes, sequences and check characters.
    public static let alphabet: [Character] = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    private static let values: [Character] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    /// Numbers one station can issue in one month per store prefix.
    public static let sequenceCapacity = 32 * 32 * 32 * 32

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
            serial.insert(CertificateNumber.alphabet[rest % 32], at: serial.startIndex)
            rest /= 32
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

    static func checkCharacter(for body: String) -> Character {
        var sum = 0
        for (index, character) in body.enumerated() {
            let value = values.firstIndex(of: character) ?? 0
            sum += (index + 1) * value
        }
        return alphabet[sum % 31]
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

    /// The default code of a station: the first ten bits of its key id.
    public init(keyID: KeyID) {
        let bits = Int(keyID.bytes[0]) << 2 | Int(keyID.bytes[1]) >> 6
        rawValue = String([CertificateNumber.alphabet[bits >> 5], CertificateNumber.alphabet[bits & 31]])
    }

    public var description: String { rawValue }
}
