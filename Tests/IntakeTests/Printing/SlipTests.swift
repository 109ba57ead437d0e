// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import IntakeStore
import Printing
import Testing

/// Golden slips (committed under `Goldens/`) for both paper widths, text and ESC/POS bytes as hex, from a
/// certificate signed by a fixed key (Ed25519 signatures are deterministic), so any change to the layout, the
/// code page tables, the QR or the signing shows up as a diff. `INTAKE_UPDATE_GOLDENS=1 swift test --filter SlipTests`
/// rewrites them; review the diff before committing.
struct SlipTests {
    static func goldenCertificate() throws -> Certificate {
        let key = try StationKey(rawPrivateKey: Data((1...32).map { UInt8($0) }))
        let iin = try IIN.validate("900101300007").get()
        let salt = [UInt8](repeating: 0xA5, count: 16)
        let content = CertificateContent(
            number: CertificateNumber(
                storeID: "AST-KHAN-SHATYR", issuedOn: CivilDate(year: 2026, month: 11, day: 23)!,
                station: StationCode(keyID: key.keyID), sequence: 41),
            storeID: "AST-KHAN-SHATYR", issuedOn: CivilDate(year: 2026, month: 11, day: 23)!,
            expiresOn: CivilDate(year: 2027, month: 11, day: 23)!, amount: Tenge(1_234_000),
            holderName: "Жұмабекова Әлия Серікқызы", holderIINMasked: iin.masked,
            holderCommitment: CertificateContent.commitment(iin: iin, salt: salt), deviceKey: .imei("352094117788999"),
            deviceSerial: "DX3VK1ABN70F", modelIdentifier: "iPhone12,1", modelName: "iPhone 11", grade: "B",
            ruleSet: "2026-11-a", keyID: key.keyID)
        return Certificate(
            content: content, signature: try key.signature(for: content.canonicalEncoding()), holderIIN: iin,
            holderSalt: salt, deviceKeys: [content.deviceKey], status: .issued, printCount: 0, consultant: "aigerim",
            createdAt: Date(timeIntervalSince1970: 1_795_000_000), voidReason: nil, redemption: nil)
    }

    static let store = Store(id: "AST-KHAN-SHATYR", city: "Astana", address: "37 Prospekt Turan, Khan Shatyr Mall, 1 floor, boutique 169", acceptsApple: true)

    struct Golden: Sendable, CustomTestStringConvertible {
        let file: String
        let width: PaperWidth
        let format: String
        var testDescription: String { file }
    }

    @Test(arguments: [
        Golden(file: "slip-48.txt", width: .mm80, format: "text"),
        Golden(file: "slip-32.txt", width: .mm58, format: "text"),
        Golden(file: "slip-48-rk1048-native.hex", width: .mm80, format: "native"),
        Golden(file: "slip-32-rk1048-native.hex", width: .mm58, format: "native"),
        Golden(file: "slip-32-cp866-raster.hex", width: .mm58, format: "raster"),
    ])
    func matchesTheGolden(_ golden: Golden) throws {
        let slip = try Slip(certificate: try Self.goldenCertificate(), store: Self.store, width: golden.width)
        let rendered: String = switch golden.format {
        case "text": slip.text()
        case "native": Self.hex(try slip.escpos(codePage: .rk1048, qr: .native))
        default: Self.hex(try slip.escpos(codePage: .cp866, qr: .raster))
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens/\(golden.file)")
        if ProcessInfo.processInfo.environment["INTAKE_UPDATE_GOLDENS"] == "1" {
            try rendered.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(rendered == expected, "\(golden.file) differs; rerun with INTAKE_UPDATE_GOLDENS=1 and review the diff")
    }

    /// 32 bytes a line, as `xxd -p -c 32` prints them.
    static func hex(_ bytes: [UInt8]) -> String {
        var lines: [String] = []
        var index = 0
        while index < bytes.count {
            lines.append(bytes[index..<min(index + 32, bytes.count)].map { String(format: "%02x", $0) }.joined())
            index += 32
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test(arguments: PaperWidth.allCases)
    func everyTextLineFitsThePaper(_ width: PaperWidth) throws {
        let slip = try Slip(certificate: try Self.goldenCertificate(), store: Self.store, width: width)
        for line in slip.text().split(separator: "\n") {
            #expect(line.count <= width.columns, "\(line)")
        }
        let text = slip.text()
        for needle in ["1 234 000 KZT", "90010130****", "Жұмабекова Әлия Серікқызы", "23.11.2027", "iPhone 11", "352094117788999", "Подпись"] {
            #expect(text.contains(needle), "\(needle)")
        }
        #expect(!text.contains("900101300007"))
        #expect(!text.contains("₸"))
    }

    @Test func theSlipsQRPayloadVerifies() throws {
        let certificate = try Self.goldenCertificate()
        let slip = try Slip(certificate: certificate, store: Self.store, width: .mm58)
        guard case .qr(let text)? = slip.elements.first(where: { if case .qr = $0 { true } else { false } }) else {
            Issue.record("the slip has no QR code")
            return
        }
        var ring = KeyRing()
        try ring.add(publicKey: try StationKey(rawPrivateKey: Data((1...32).map { UInt8($0) })).publicKey)
        #expect(CertificatePayload(text: text)?.verify(with: ring) == true)
        // Compact enough for 58 mm paper: at least 3 dots a module with the quiet zone in 384 dots.
        let matrix = try QRMatrix.encode(text)
        #expect((matrix.size + 8) * 3 <= PaperWidth.mm58.dots, "version \(matrix.version)")
    }
}
