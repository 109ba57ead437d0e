// SPDX-License-Identifier: Apache-2.0
import CQREncode
import Glibc

/// A QR code symbol as a square of modules, encoded by libqrencode (Debian's `libqrencode`).
///
/// No QR encoder is in the Swift package mirror, so the symbol comes from libqrencode; the printing code only
/// reads its matrix (for the raster fallback) and never needs to decode.
public struct QRMatrix: Sendable, Hashable {
    /// Error correction level: how much of the symbol may be damaged and still read.
    public enum Correction: Int, Sendable, Hashable, CaseIterable {
        case low = 0, medium, quartile, high

        var cLevel: QRecLevel {
            switch self {
            case .low: QR_ECLEVEL_L
            case .medium: QR_ECLEVEL_M
            case .quartile: QR_ECLEVEL_Q
            case .high: QR_ECLEVEL_H
            }
        }
    }

    /// The QR version (1...40): the symbol is `17 + 4 × version` modules wide.
    public let version: Int
    /// Modules per side (no quiet zone).
    public let size: Int
    /// Row-major, `true` for a dark module.
    public let modules: [Bool]

    public init(version: Int, size: Int, modules: [Bool]) {
        precondition(modules.count == size * size, "a QR matrix is square")
        self.version = version
        self.size = size
        self.modules = modules
    }

    /// Whether the module at column `x`, row `y` is dark.
    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// Encodes `payload` with the smallest version that holds it, choosing numeric, alphanumeric and byte segments
    /// as libqrencode's optimiser does (an upper-case Base32 payload goes in the denser alphanumeric mode).
    ///
    /// The corresponding C function is `QRcode_encodeString`.
    public static func encode(_ payload: String, correction: Correction = .medium) throws(QRError) -> QRMatrix {
        guard !payload.isEmpty else { throw QRError(message: "The QR payload is empty.") }
        guard !payload.utf8.contains(0) else { throw QRError(message: "The QR payload contains a NUL byte.") }
        let symbol = payload.withCString { QRcode_encodeString($0, 0, correction.cLevel, QR_MODE_8, 1) }
        guard let symbol else {
            let reason = errno == ERANGE ? "is too long for a QR code" : "could not be encoded (errno \(errno))"
            throw QRError(message: "The QR payload of \(payload.utf8.count) bytes \(reason).")
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        let data = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width)
        // libqrencode: bit 0 of each byte is the module's colour (1 = dark); the other bits are its own bookkeeping.
        return QRMatrix(version: Int(symbol.pointee.version), size: width, modules: data.map { $0 & 1 == 1 })
    }
}

/// Why a QR symbol could not be made.
public struct QRError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
