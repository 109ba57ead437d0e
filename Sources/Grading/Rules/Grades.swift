// SPDX-License-Identifier: Apache-2.0

/// The cosmetic axis, in the spirit of CTIA's scale: A like new, B light wear, C moderate wear, D heavy damage or a
/// cracked cover glass.
public enum CosmeticGrade: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case a = "A", b = "B", c = "C", d = "D"

    public static func < (lhs: CosmeticGrade, rhs: CosmeticGrade) -> Bool { lhs.rank < rhs.rank }
    var rank: Int { CosmeticGrade.allCases.firstIndex(of: self)! }

    public var meaning: String {
        switch self {
        case .a: return "like new"
        case .b: return "light wear"
        case .c: return "moderate wear"
        case .d: return "heavy damage or cracked glass"
        }
    }
}

/// The functional axis: CTIA's 0 (fully functional), 1 (minor issues), 2 (key functions working). A device that
/// does not work at all (CTIA 3–9) gets no offer: that is a blocker, not a grade.
public enum FunctionalGrade: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case ok, minor, major

    public static func < (lhs: FunctionalGrade, rhs: FunctionalGrade) -> Bool { lhs.ctia < rhs.ctia }

    /// The CTIA functional grade number.
    public var ctia: Int {
        switch self {
        case .ok: return 0
        case .minor: return 1
        case .major: return 2
        }
    }

    public var meaning: String {
        switch self {
        case .ok: return "fully functional"
        case .minor: return "functional with minor issues"
        case .major: return "key functions working, with defects"
        }
    }
}
