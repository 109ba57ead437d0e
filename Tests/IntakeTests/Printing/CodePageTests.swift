// SPDX-License-Identifier: Apache-2.0
import Printing
import Testing

struct CodePageTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let page: CodePage
        let text: String
        let bytes: [UInt8]
        var testDescription: String { "\(page) \(text)" }
    }

    // Expected bytes from Python's codecs: `'ӘәІіҢңӨөҰұҮүҚқҒғҺһ'.encode('kz1048')`, `'Аяё№'.encode('cp866')`.
    @Test(arguments: [
        Case(page: .rk1048, text: "ӘәІі", bytes: [0xA3, 0xBC, 0xB2, 0xB3]),
        Case(page: .rk1048, text: "ҢңӨөҰұҮү", bytes: [0xBD, 0xBE, 0xA5, 0xB4, 0xA1, 0xA2, 0xAF, 0xBF]),
        Case(page: .rk1048, text: "ҚқҒғҺһ", bytes: [0x8D, 0x9D, 0xAA, 0xBA, 0x8E, 0x9E]),
        Case(page: .rk1048, text: "Аяё№«»", bytes: [0xC0, 0xFF, 0xB8, 0xB9, 0xAB, 0xBB]),
        Case(page: .cp866, text: "Аяё№", bytes: [0x80, 0xEF, 0xF1, 0xFC]),
        Case(page: .rk1048, text: "A-1 z", bytes: [0x41, 0x2D, 0x31, 0x20, 0x7A]),
        // Transliteration where the page lacks a letter.
        Case(page: .cp866, text: "Әлия Серікқызы", bytes: [0x80, 0xAB, 0xA8, 0xEF, 0x20, 0x91, 0xA5, 0xE0, 0x69, 0xAA, 0xAA, 0xEB, 0xA7, 0xEB]),
        Case(page: .rk1048, text: "185 000 ₸", bytes: Array("185 000 KZT".utf8)),
        Case(page: .cp866, text: "«Contract Phone»", bytes: Array("\"Contract Phone\"".utf8)),
        Case(page: .rk1048, text: "\u{1B}@\u{07}x", bytes: [0x3F, 0x40, 0x3F, 0x78]),
        Case(page: .rk1048, text: "日", bytes: [0x3F]),
    ])
    func encodes(_ c: Case) {
        #expect(c.page.encode(c.text) == c.bytes)
    }

    @Test(arguments: CodePage.allCases)
    func everyDefinedByteDecodesAndEncodesBack(_ page: CodePage) {
        var defined = 0
        for byte in UInt8(0x80)...UInt8(0xFF) {
            guard let scalar = page.decode(byte) else { continue }
            #expect(page.encode(String(Character(scalar))) == [byte], "byte \(byte)")
            defined += 1
        }
        // RK1048 leaves one byte (0x98) undefined; CP866 defines all 128.
        #expect(defined == (page == .rk1048 ? 127 : 128))
    }

    @Test func onlyRK1048CarriesEveryKazakhLetter() {
        let kazakh = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
        #expect(CodePage.rk1048.canEncodeExactly(kazakh))
        #expect(!CodePage.cp866.canEncodeExactly(kazakh))
        #expect(CodePage.rk1048.epsonSelector == 53)
        #expect(CodePage.cp866.epsonSelector == 17)
    }
}
