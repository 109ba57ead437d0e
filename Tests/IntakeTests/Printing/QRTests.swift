// SPDX-License-Identifier: Apache-2.0
import Printing
import Testing

struct QRTests {
    /// The 15-bit format information around the top-left finder, unmasked: error correction level and mask.
    /// ISO/IEC 18004 §7.9, as (x, y): bits 14...9 along row 8 at x = 0...5, bit 8 at (7, 8), bit 7 at (8, 8),
    /// bit 6 at (8, 7), bits 5...0 up column 8 at y = 5...0; the mask is 101010000010010.
    static func formatInformation(_ m: QRMatrix) -> Int {
        var positions: [(Int, Int)] = (0...5).map { ($0, 8) } + [(7, 8), (8, 8), (8, 7)]
        positions += (0...5).reversed().map { (8, $0) }
        var bits = 0
        for (x, y) in positions { bits = bits << 1 | (m.isDark(x: x, y: y) ? 1 : 0) }
        return bits ^ 0b101010000010010
    }

    /// A finder pattern: 7×7 dark ring, light ring, 3×3 dark centre.
    static func hasFinder(_ m: QRMatrix, x: Int, y: Int) -> Bool {
        for dy in 0..<7 {
            for dx in 0..<7 {
                let ring = max(abs(dx - 3), abs(dy - 3))
                if m.isDark(x: x + dx, y: y + dy) != (ring != 2) { return false }
            }
        }
        return true
    }

    @Test(arguments: QRMatrix.Correction.allCases)
    func libqrencodesMatrixHasTheStandardStructure(_ correction: QRMatrix.Correction) throws {
        let matrix = try QRMatrix.encode("JFAUGMIRIFGECLJSGYYTCLKVGIZDEMRS", correction: correction)
        #expect(matrix.size == 17 + 4 * matrix.version)
        #expect(Self.hasFinder(matrix, x: 0, y: 0))
        #expect(Self.hasFinder(matrix, x: matrix.size - 7, y: 0))
        #expect(Self.hasFinder(matrix, x: 0, y: matrix.size - 7))
        // Timing pattern: alternating along row 6 between the finders.
        for x in 8..<(matrix.size - 8) { #expect(matrix.isDark(x: x, y: 6) == (x % 2 == 0)) }
        // Format info: the two EC bits are L=01, M=00, Q=11, H=10.
        let ecBits = Self.formatInformation(matrix) >> 13
        let expected = [0b01, 0b00, 0b11, 0b10][correction.rawValue]
        #expect(ecBits == expected)
    }

    @Test func versionGrowsWithThePayloadAndTooMuchIsRefused() throws {
        let small = try QRMatrix.encode(String(repeating: "A", count: 20))
        let large = try QRMatrix.encode(String(repeating: "A", count: 500))
        #expect(small.version < large.version)
        #expect(throws: QRError.self) { try QRMatrix.encode(String(repeating: "x", count: 8000)) }
        #expect(throws: QRError.self) { try QRMatrix.encode("") }
    }

    @Test func nativeQRFramingMatchesEpsonsGSParenK() {
        var writer = ESCPOSWriter(codePage: .rk1048)
        writer.nativeQR(Array("HELLO".utf8), moduleSize: 4, correction: .medium)
        let expected: [UInt8] = [
            0x1B, 0x40, 0x1B, 0x74, 53, 0x1B, 0x32,  // ESC @, ESC t 53, ESC 2
            0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,  // model 2
            0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x04,  // module size 4
            0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31,  // error correction M
            0x1D, 0x28, 0x6B, 0x08, 0x00, 0x31, 0x50, 0x30, 0x48, 0x45, 0x4C, 0x4C, 0x4F,  // store "HELLO"
            0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30,  // print
        ]
        #expect(writer.bytes == expected)
    }

    @Test func aLongNativePayloadUsesBothLengthBytes() {
        var writer = ESCPOSWriter(codePage: .cp866)
        writer.nativeQR([UInt8](repeating: 0x41, count: 400), moduleSize: 3, correction: .low)
        let store = writer.bytes.firstRange(of: [0x31, 0x50, 0x30])!.lowerBound - 2
        // 400 data bytes + cn + fn + m = 403 = 0x0193.
        #expect(Array(writer.bytes[store..<store + 2]) == [0x93, 0x01])
    }

    @Test(arguments: [1, 3, 4])
    func theRasterFallbackIsTheMatrixDotForDot(_ scale: Int) throws {
        let matrix = try QRMatrix.encode("IAC1 raster check 0123456789")
        var writer = ESCPOSWriter(codePage: .rk1048)
        let header = writer.bytes.count
        writer.rasterQR(matrix, moduleSize: scale)
        let bytes = Array(writer.bytes[header...])
        let dots = (matrix.size + 8) * scale
        let widthBytes = (dots + 7) / 8
        #expect(Array(bytes[0..<8]) == [0x1D, 0x76, 0x30, 0x00, UInt8(widthBytes & 0xFF), UInt8(widthBytes >> 8), UInt8(dots & 0xFF), UInt8(dots >> 8)])
        #expect(bytes.count == 8 + widthBytes * dots)
        for dotY in 0..<dots {
            for dotX in 0..<dots {
                let byte = bytes[8 + dotY * widthBytes + dotX / 8]
                let set = byte & (0x80 >> UInt8(dotX % 8)) != 0
                let (x, y) = (dotX / scale - 4, dotY / scale - 4)
                let dark = x >= 0 && y >= 0 && x < matrix.size && y < matrix.size && matrix.isDark(x: x, y: y)
                if set != dark {
                    Issue.record("dot (\(dotX), \(dotY)) is \(set) but the module is \(dark)")
                    return
                }
            }
        }
    }
}
