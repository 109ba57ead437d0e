// SPDX-License-Identifier: Apache-2.0

/// An amount of money in whole tenge (KZT). Money in this program is never a `Double`.
///
/// Encodes as a plain JSON integer. People see ``formatted`` (`"1 234 567 ₸"`, groups and the sign separated by
/// U+00A0 NO-BREAK SPACE, as Foundation's `ru_KZ` locale writes it, so a line never breaks inside an amount);
/// receipt printers, which have no ₸ glyph, get ``slipText`` (`"1 234 567 KZT"`, plain ASCII spaces).
public struct Tenge: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in whole tenge.
    public var amount: Int

    public init(_ amount: Int) { self.amount = amount }

    public static let zero = Tenge(0)

    public static func < (lhs: Tenge, rhs: Tenge) -> Bool { lhs.amount < rhs.amount }
    public static func + (lhs: Tenge, rhs: Tenge) -> Tenge { Tenge(lhs.amount + rhs.amount) }
    public static func - (lhs: Tenge, rhs: Tenge) -> Tenge { Tenge(lhs.amount - rhs.amount) }
    public static func += (lhs: inout Tenge, rhs: Tenge) { lhs.amount += rhs.amount }
    public static func -= (lhs: inout Tenge, rhs: Tenge) { lhs.amount -= rhs.amount }

    /// `percent`% of the amount, rounded toward zero (whole tenge; integer arithmetic only).
    public func percent(_ percent: Int) -> Tenge { Tenge(amount * percent / 100) }

    /// `percent`% of the amount, or `nil` when the product would overflow `Int` (checked arithmetic: a price from
    /// outside the catalog's bounds never traps).
    public func checkedPercent(_ percent: Int) -> Tenge? {
        let (product, overflow) = amount.multipliedReportingOverflow(by: percent)
        return overflow ? nil : Tenge(product / 100)
    }

    /// The amount rounded down to a multiple of `step` (a step of 0 or 1 leaves it as it is).
    public func roundedDown(toMultipleOf step: Int) -> Tenge {
        guard step > 1 else { return self }
        let remainder = amount % step
        return Tenge(remainder >= 0 ? amount - remainder : amount - remainder - step)
    }

    /// `"1 234 567 ₸"` with U+00A0 between digit groups and before the sign.
    public var formatted: String { Tenge.grouped(amount, separator: "\u{00A0}") + "\u{00A0}₸" }

    /// `"1 234 567"`: the digits grouped with U+00A0, without the sign (the left end of a range, a table column).
    public var groupedDigits: String { Tenge.grouped(amount, separator: "\u{00A0}") }

    /// `"1 234 567 KZT"` with plain spaces, for receipt printers.
    public var slipText: String { Tenge.grouped(amount, separator: " ") + " KZT" }

    public var description: String { formatted }

    public init(from decoder: any Decoder) throws {
        amount = try decoder.singleValueContainer().decode(Int.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(amount)
    }

    /// Digits in groups of three from the right; a minus sign (ASCII) in front of negative amounts.
    static func grouped(_ value: Int, separator: String) -> String {
        let digits = String(value.magnitude)
        var out = value < 0 ? "-" : ""
        out.reserveCapacity(digits.count + digits.count / 3 + 1)
        let count = digits.count
        for (index, digit) in digits.enumerated() {
            if index > 0 && (count - index) % 3 == 0 { out += separator }
            out.append(digit)
        }
        return out
    }
}
