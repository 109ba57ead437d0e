// SPDX-License-Identifier: Apache-2.0

/// The number of the holder's identity document (ID card, passport), recorded with the certificate. Like the IIN
/// it names a person, so everything but the registry row shows it masked: its `description` is the masked form,
/// so a certificate printed into a log or an error never carries it in full.
public struct DocumentNumber: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The number as typed, without surrounding spaces.
    public let text: String

    /// `nil` when nothing but spaces was typed.
    public init?(_ typed: String) {
        let trimmed = typed.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { return nil }
        text = trimmed
    }

    /// The first few characters and asterisks for the rest (`N123*****`), as the IIN is shown (`90010130****`).
    public var masked: String { Self.masked(text) }

    public var description: String { masked }
    public var debugDescription: String { masked }

    /// `text` masked: at most four characters and never more than half of it stay visible.
    public static func masked(_ text: String) -> String {
        let characters = Array(text.trimmingASCIIWhitespace())
        let shown = min(4, characters.count / 2)
        return String(characters.prefix(shown)) + String(repeating: "*", count: characters.count - shown)
    }
}
