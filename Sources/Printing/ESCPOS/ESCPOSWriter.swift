// SPDX-License-Identifier: Apache-2.0

/// Builds the byte stream of an Epson-compatible (ESC/POS) receipt: the commands in `domain.md` §6, checked against
/// python-escpos (`src/escpos/constants.py`, `escpos.py`).
///
/// Text goes through one ``CodePage``, selected once at the start with `ESC t n`; control characters in text are
/// never passed through, so a holder's name cannot smuggle a command into the slip.
public struct ESCPOSWriter: Sendable {
    public enum Alignment: UInt8, Sendable { case left = 0, center = 1, right = 2 }

    public private(set) var bytes: [UInt8] = []
    public let codePage: CodePage

    /// Starts a receipt: `ESC @` (initialise), `ESC t n` (code page), `ESC 2` (default line spacing).
    public init(codePage: CodePage) {
        self.codePage = codePage
        bytes += [0x1B, 0x40]
        bytes += [0x1B, 0x74, codePage.epsonSelector]
        bytes += [0x1B, 0x32]
    }

    /// Text in the current code page, no line feed.
    public mutating func text(_ string: String) {
        bytes += codePage.encode(string.filter { $0 != "\n" })
    }

    /// Text and a line feed (`0A`).
    public mutating func line(_ string: String = "") {
        text(string)
        bytes.append(0x0A)
    }

    /// `ESC a n`.
    public mutating func align(_ alignment: Alignment) {
        bytes += [0x1B, 0x61, alignment.rawValue]
    }

    /// `ESC E n`: emphasised (bold) on or off.
    public mutating func bold(_ on: Bool) {
        bytes += [0x1B, 0x45, on ? 1 : 0]
    }

    /// `GS ! n`: character size, width and height multipliers 1...8.
    public mutating func size(width: Int = 1, height: Int = 1) {
        let w = UInt8(min(max(width, 1), 8) - 1)
        let h = UInt8(min(max(height, 1), 8) - 1)
        bytes += [0x1D, 0x21, (w << 4) | h]
    }

    /// `ESC d n`: prints and feeds `lines` lines.
    public mutating func feed(lines: Int) {
        bytes += [0x1B, 0x64, UInt8(min(max(lines, 0), 255))]
    }

    /// `GS V 66 n`: feeds to the cutter and cuts, leaving a hinge (partial cut), as most bench printers do.
    public mutating func cut() {
        bytes += [0x1D, 0x56, 0x42, 0x00]
    }

    // MARK: - QR

    /// The printer's own QR code (`GS ( k`, cn = 49): model 2, module size, error correction, store, print.
    ///
    /// Each function is `1D 28 6B pL pH 31 fn [parameters]`, `pL pH` the little-endian length of everything after
    /// them. Payloads above 7089 bytes do not fit any QR code and are refused by the caller's encoder first.
    public mutating func nativeQR(_ payload: [UInt8], moduleSize: Int, correction: QRMatrix.Correction) {
        qrFunction(0x41, [0x32, 0x00])  // 165: model 2
        qrFunction(0x43, [UInt8(min(max(moduleSize, 1), 16))])  // 167: module size in dots
        qrFunction(0x45, [0x30 + UInt8(correction.rawValue)])  // 169: error correction L/M/Q/H
        qrFunction(0x50, [0x30] + payload)  // 180: store the data, m = '0'
        qrFunction(0x51, [0x30])  // 181: print the stored symbol
    }

    private mutating func qrFunction(_ fn: UInt8, _ parameters: [UInt8]) {
        let length = parameters.count + 2
        bytes += [0x1D, 0x28, 0x6B, UInt8(length & 0xFF), UInt8(length >> 8), 0x31, fn]
        bytes += parameters
    }

    // MARK: - Raster

    /// A QR symbol as a raster bit image (`GS v 0`, normal density), for printers without `GS ( k` (the cheap
    /// 58 mm clones: POS-5890, ZJ-5870). Each module becomes `moduleSize` × `moduleSize` dots with a four-module
    /// quiet zone; rows are packed most significant bit first, a set bit printing black.
    public mutating func rasterQR(_ matrix: QRMatrix, moduleSize: Int) {
        let quiet = 4
        let scale = max(moduleSize, 1)
        let dots = (matrix.size + 2 * quiet) * scale
        let widthBytes = (dots + 7) / 8
        bytes += [0x1D, 0x76, 0x30, 0x00]
        bytes += [UInt8(widthBytes & 0xFF), UInt8(widthBytes >> 8), UInt8(dots & 0xFF), UInt8(dots >> 8)]
        for dotY in 0..<dots {
            var row = [UInt8](repeating: 0, count: widthBytes)
            let y = dotY / scale - quiet
            if y >= 0, y < matrix.size {
                for dotX in 0..<dots {
                    let x = dotX / scale - quiet
                    if x >= 0, x < matrix.size, matrix.isDark(x: x, y: y) {
                        row[dotX >> 3] |= 0x80 >> UInt8(dotX & 7)
                    }
                }
            }
            bytes += row
        }
    }
}
