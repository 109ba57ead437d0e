// SPDX-License-Identifier: Apache-2.0

/// How the slip's QR code reaches the paper.
public enum QRRendering: String, Sendable, Hashable, CaseIterable {
    /// The printer draws it (`GS ( k`): Epson TM series and most 80 mm printers.
    case native
    /// We draw it as a raster image (`GS v 0`) from libqrencode's matrix: cheap 58 mm clones without `GS ( k`.
    case raster
}

extension Slip {
    /// UTF-8 text for a screen or a file; the QR code appears as its payload, wrapped.
    public func text() -> String {
        let columns = width.columns
        var lines: [String] = []
        for element in elements {
            switch element {
            case .text(let string, let centered, _, _):
                lines.append(centered ? Slip.center(string, columns) : string)
            case .rule:
                lines.append(String(repeating: "-", count: columns))
            case .blank:
                lines.append("")
            case .qr(let payload):
                lines.append("QR:")
                var rest = Substring(payload)
                while !rest.isEmpty {
                    lines.append(String(rest.prefix(columns)))
                    rest = rest.dropFirst(columns)
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The ESC/POS byte stream: initialise, code page, the lines, the QR code, feed and cut.
    public func escpos(codePage: CodePage = .rk1048, qr: QRRendering = .native) throws -> [UInt8] {
        var writer = ESCPOSWriter(codePage: codePage)
        for element in elements {
            switch element {
            case .text(let string, let centered, let bold, let large):
                if centered { writer.align(.center) }
                if bold { writer.bold(true) }
                if large { writer.size(width: 2, height: 2) }
                writer.line(string)
                if large { writer.size() }
                if bold { writer.bold(false) }
                if centered { writer.align(.left) }
            case .rule:
                writer.line(String(repeating: "-", count: width.columns))
            case .blank:
                writer.line()
            case .qr(let payload):
                let matrix = try QRMatrix.encode(payload, correction: .medium)
                // The largest whole module that fits the paper with a four-module quiet zone each side, at most 6.
                let moduleSize = min(6, max(1, width.dots / (matrix.size + 8)))
                writer.align(.center)
                switch qr {
                case .native: writer.nativeQR(Array(payload.utf8), moduleSize: moduleSize, correction: .medium)
                case .raster: writer.rasterQR(matrix, moduleSize: moduleSize)
                }
                writer.line()
                writer.align(.left)
            }
        }
        writer.feed(lines: 3)
        writer.cut()
        return writer.bytes
    }

    static func center(_ string: String, _ columns: Int) -> String {
        let pad = max(0, (columns - string.count) / 2)
        return String(repeating: " ", count: pad) + string
    }
}
