// SPDX-License-Identifier: Apache-2.0

/// The program's age rule: a holder is 21 to 68 years old inclusive on the day of the sale, the age taken from the
/// identity document's birth date (a 29 February birthday is reached on 28 February in common years).
public enum HolderAge {
    public static let minimum = 21
    public static let maximum = 68

    /// The outcome of the age check.
    public enum Verdict: Sendable, Hashable {
        case eligible(age: Int)
        case tooYoung(age: Int)
        case tooOld(age: Int)

        public var isEligible: Bool { if case .eligible = self { return true } else { return false } }

        public var age: Int {
            switch self {
            case .eligible(let age), .tooYoung(let age), .tooOld(let age): return age
            }
        }

        /// A sentence for the consultant when the holder is refused; `nil` when eligible.
        public var refusal: String? {
            switch self {
            case .eligible: return nil
            case .tooYoung(let age) where age < 0:
                return "The birth date is after the day of the sale: check the date typed from the identity document."
            case .tooYoung(let age):
                return "The holder is \(age) years old, and the program is open from \(HolderAge.minimum): the certificate cannot be issued in this name."
            case .tooOld(let age):
                return "The holder is \(age) years old, and the program is open up to \(HolderAge.maximum) inclusive: the certificate cannot be issued in this name."
            }
        }
    }

    /// The holder's age on `day` and whether it is within 21–68.
    public static func check(birthDate: CivilDate, on day: CivilDate) -> Verdict {
        let age = birthDate.wholeYears(until: day)
        if age < minimum { return .tooYoung(age: age) }
        if age > maximum { return .tooOld(age: age) }
        return .eligible(age: age)
    }

    /// A warning when the IIN's first digits encode a birth date other than the document's. Since 2013 that is
    /// allowed (Decree №853), so it never refuses; the consultant just looks again at the document.
    public static func mismatchWarning(iin: IIN, birthDate: CivilDate) -> String? {
        guard let encoded = iin.encodedBirthDate, encoded != birthDate else { return nil }
        return "The IIN encodes the birth date \(encoded) but the document says \(birthDate): this is allowed for IINs issued since 2013, but check that both were typed from the same document."
    }
}
