// SPDX-License-Identifier: Apache-2.0

/// The number of the holder's identity document (ID card, passport), recorded with the certificate. Like the IIN
/// it names a person, so everything but the registry row shows it masked.
public enum DocumentNumber {
    /// The number as typed, without surrounding spaces; `nil` when nothing but spaces was typed.
    public static func normalize(_ text: String) -> String? {
        let trimmed = text.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The first few characters and asterisks for the rest (`N123*****`), as the IIN is shown (`90010130****`):
    /// at most four characters and never more than half of the number stay visible.
    public static func masked(_ text: String) -> String {
        let characters = Array(text.trimmingASCIIWhitespace())
        let shown = min(4, characters.count / 2)
        return String(characters.prefix(shown)) + String(repeating: "*", count: characters.count - shown)
    }
}
