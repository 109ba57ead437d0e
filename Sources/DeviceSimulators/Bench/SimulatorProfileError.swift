// SPDX-License-Identifier: Apache-2.0

/// Why a profile file was refused: the file, the field (a dotted path such as `battery.cycle_count`) and what
/// was expected there.
public struct SimulatorProfileError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let field: String
    public let expected: String

    public var description: String {
        field.isEmpty
            ? "The profile \(file) is refused: \(expected)."
            : "The profile \(file) is refused at \(field): expected \(expected)."
    }
}
